/**
 * How a METERED plan feature's input prices its overage (./overage-pricing.ts), checked: one
 * `overagePrice` (optionally per `packageSize` units) or a list of `tiers`, never both. Every refusal
 * is BAD_USER_INPUT naming the field (`input.features[0].tiers[1].upTo must be greater than ...`).
 */
import { DomainError } from "../errors";
import { formatDecimal } from "../money";
import type { PlanFeature, PlanFeatureInput, PriceTier } from "../plans/plan";

/** More tiers than any pricing page shows; bounds the invoice lines one feature can add. */
export const MAX_TIERS = 20;

const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);

export function overageTerms(
  f: PlanFeatureInput,
  at: string,
): Pick<PlanFeature, "overagePrice" | "tiers" | "tierMode" | "packageSize"> {
  if (f.tiers == null) {
    if (f.tierMode != null) throw bad(`${at}.tierMode applies only with ${at}.tiers`);
    if (f.overagePrice == null) throw bad(`${at}.overagePrice is required on METERED plans`);
    if (f.packageSize != null && f.packageSize <= 0n) throw bad(`${at}.packageSize must be greater than zero`);
    return { overagePrice: f.overagePrice, ...(f.packageSize != null ? { packageSize: f.packageSize } : {}) };
  }
  if (f.overagePrice != null)
    throw bad(`${at}.overagePrice does not apply with ${at}.tiers: each tier has its unitPrice`);
  if (f.packageSize != null) throw bad(`${at}.packageSize cannot be combined with ${at}.tiers`);
  return { tiers: checkedTiers(f.tiers, `${at}.tiers`), tierMode: f.tierMode ?? "GRADUATED" };
}

/** Ascending, positive bounds; every tier bounded but the last, which is open-ended. */
function checkedTiers(input: NonNullable<PlanFeatureInput["tiers"]>, at: string): PriceTier[] {
  if (input.length === 0) throw bad(`${at} must list at least one tier`);
  if (input.length > MAX_TIERS) throw bad(`${at} must list at most ${MAX_TIERS} tiers`);
  let previous = 0n;
  return input.map((t, i) => {
    const last = i === input.length - 1;
    if (last && t.upTo != null) throw bad(`${at}[${i}].upTo must be empty: the last tier is open-ended`);
    if (!last && t.upTo == null) throw bad(`${at}[${i}].upTo is required on every tier but the last`);
    if (t.upTo != null && t.upTo <= previous)
      throw bad(
        i === 0
          ? `${at}[0].upTo must be greater than zero`
          : `${at}[${i}].upTo must be greater than ${at}[${i - 1}].upTo (${formatDecimal(previous)})`,
      );
    previous = t.upTo ?? previous;
    return {
      ...(t.upTo != null ? { upTo: t.upTo } : {}),
      unitPrice: t.unitPrice,
      ...(t.flatFee != null && t.flatFee > 0n ? { flatFee: t.flatFee } : {}),
    };
  });
}
