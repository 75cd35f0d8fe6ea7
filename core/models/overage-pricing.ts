/**
 * What a METERED feature's units beyond `included` cost, pure. Three ways, one per plan feature:
 *
 * - one `overagePrice` per unit;
 * - `packageSize`: `overagePrice` per started package of that many units ("$0.03 per 1,000 tokens":
 *   50,001 units beyond included are 51 packages, 1.53);
 * - `tiers`: GRADUATED prices each unit at the price of the tier it falls in, VOLUME prices every
 *   unit at the price of the tier the total falls in; a tier's `flatFee` is added once when any unit
 *   falls in it. Tier bounds (`upTo`, inclusive) count units beyond included.
 *
 * The invoice shows one line per tier with units (quantity x the tier's unit price) and one per flat
 * fee; `overageCost` is the exact sum of those lines before the invoice rounds each of them.
 */
import { MAX_SUM, meteredUsageCeiling } from "../bounds";
import { formatDecimal, max, multiply, SCALE, type Amount } from "../money";
import type { PlanFeature, PriceTier } from "../plans/plan";
import type { OverageCharge } from "./types";

/** One tier's share of an overage: the units it prices, and its position in the list (1-based). */
type TierShare = { tier: PriceTier; index: number; lower: Amount; quantity: Amount };

/** The units of `over` each tier prices (only tiers with units), by the feature's tier mode. */
function tierShares(tiers: PriceTier[], volume: boolean, over: Amount): TierShare[] {
  const shares: TierShare[] = [];
  let lower = 0n;
  for (const [i, tier] of tiers.entries()) {
    const upper = tier.upTo;
    if (volume) {
      if (upper === undefined || over <= upper) return over > 0n ? [{ tier, index: i + 1, lower, quantity: over }] : [];
    } else {
      const quantity = (upper === undefined ? over : over < upper ? over : upper) - lower;
      if (quantity > 0n) shares.push({ tier, index: i + 1, lower, quantity });
    }
    if (upper === undefined || over <= upper) break;
    lower = upper;
  }
  return shares;
}

/** Whole packages started by `over` units, as a quantity (51 packages: 51 x SCALE). */
const packagesOf = (over: Amount, size: Amount): Amount => ((over + size - 1n) / size) * SCALE;

const range = (share: TierShare) =>
  share.tier.upTo === undefined
    ? `above ${formatDecimal(share.lower)}`
    : share.lower === 0n
      ? `up to ${formatDecimal(share.tier.upTo)}`
      : `${formatDecimal(share.lower)} to ${formatDecimal(share.tier.upTo)}`;

/** The overage lines of `over` units beyond included: quantity x exact unit price, each rounded on the invoice. */
export function overageCharges(f: PlanFeature, over: Amount): OverageCharge[] {
  if (over <= 0n) return [];
  const about = `${f.feature} beyond the included units`;
  if (f.tiers) {
    const volume = f.tierMode === "VOLUME";
    return tierShares(f.tiers, volume, over).flatMap((share) => {
      const tier = `tier ${share.index} (${range(share)})`;
      const units = {
        description: `${about}, ${volume ? `all at ${tier}` : tier}`,
        feature: f.feature,
        quantity: share.quantity,
        unitPrice: share.tier.unitPrice,
      };
      const fee = share.tier.flatFee
        ? [
            {
              description: `${f.feature} flat fee of ${tier}`,
              feature: f.feature,
              quantity: SCALE,
              unitPrice: share.tier.flatFee,
            },
          ]
        : [];
      return [units, ...fee];
    });
  }
  if (f.packageSize) {
    return [
      {
        description: `${about}, in packages of ${formatDecimal(f.packageSize)}`,
        feature: f.feature,
        quantity: packagesOf(over, f.packageSize),
        unitPrice: f.overagePrice ?? 0n,
      },
    ];
  }
  return [{ description: about, feature: f.feature, quantity: over, unitPrice: f.overagePrice ?? 0n }];
}

/** What `over` units beyond included cost: the exact sum of their lines, before the invoice's rounding. */
export const overageCost = (f: PlanFeature, over: Amount): Amount =>
  overageCharges(f, over).reduce((sum, c) => sum + multiply(c.quantity, c.unitPrice), 0n);

/**
 * The price of the next unit once `over` units beyond included are used: the overage price (per
 * package with packageSize), or the unit price of the tier the next unit falls in, with that tier's
 * 1-based position (VOLUME: the tier the total falls in, whose price then applies to every unit).
 */
export function nextUnitPrice(f: PlanFeature, over: Amount): { unitPrice: Amount; tier?: number } {
  if (!f.tiers) return { unitPrice: f.overagePrice ?? 0n };
  const index = f.tiers.findIndex((t) => t.upTo === undefined || over < t.upTo);
  const at = index < 0 ? f.tiers.length - 1 : index;
  return { unitPrice: f.tiers[at]!.unitPrice, tier: at + 1 };
}

/**
 * The most the feature's usage may reach in a period so that its overage stays within MAX_SUM
 * (core/bounds.ts): by the highest tier price, or by whole packages at the package price.
 */
export function overageUsageCeiling(f: PlanFeature): Amount {
  const included = f.included ?? 0n;
  if (f.tiers)
    return meteredUsageCeiling(
      included,
      f.tiers.reduce((top, t) => max(top, t.unitPrice), 0n),
    );
  const price = f.overagePrice ?? 0n;
  if (!f.packageSize || price <= 0n) return meteredUsageCeiling(included, price);
  const ceiling = included + (MAX_SUM / price) * f.packageSize;
  return ceiling < MAX_SUM ? ceiling : MAX_SUM;
}
