/**
 * The level kinds of plan features, SEATS and QUOTA: not usage that adds up, but a level the customer
 * sets (seats) or moves up and down (projects, phone numbers), in any consumption model, priced in
 * money by the plan feature's `included` and `overagePrice` (and refused beyond a hard `limit`).
 * Each is one object of the same shape (`LevelKind`), chosen by the feature's kind in `levelKindOf`.
 *
 * The wallet keeps, per feature, the level now (`levels`, carried across periods while the
 * subscription lasts) and the highest level of the period (`peaks`, restarted at the level at each
 * period start: core/wallet.ts openPeriod).
 *
 * - **SEATS**: the period's peak is what is paid for. A renewal bills `max(0, seats - included)`
 *   extra seats at overagePrice for the coming period, in advance (a SEATS line). Raising the seats
 *   above what the period has paid for bills the seats added beyond it at once, pro rata for the
 *   rest of the period (a SEATS line, exact to 10^-12, rounded once on the line). Lowering them
 *   bills nothing back: the period is paid, and the renewal bills the lower count.
 * - **QUOTA**: the close bills `max(0, peak - included)` at overagePrice (an OVERAGE line, in
 *   arrears, like METERED overage), and the next period's peak starts at the level then.
 */
import { DomainError } from "../errors";
import { divRound, formatDecimal, max, multiply, SCALE, type Amount } from "../money";
import type { Plan, PlanFeature, PlanFeatureInput } from "../plans/plan";
import type { Wallet } from "../wallet";
import type { FeatureUsage, FeatureView, OverageCharge, Ratio } from "./types";

export type LevelKindName = "SEATS" | "QUOTA";
export const isLevelKind = (kind: string): kind is LevelKindName => kind === "SEATS" || kind === "QUOTA";

/** The plan feature fields a level kind takes. */
export const LEVEL_FIELDS = ["included", "overagePrice", "limit"] as const;

const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);

export const levelOf = (w: Wallet, feature: string): Amount => w.levels?.[feature] ?? 0n;
export const peakOf = (w: Wallet, feature: string): Amount => max(w.peaks?.[feature] ?? 0n, levelOf(w, feature));

/** A money amount billed for a part of a period: the exact amount and its line's unit price (both at 10^-12). */
export type ProRata = { quantity: Amount; unitPrice: Amount; amount: Amount; fraction: Ratio };

export interface LevelKind {
  readonly kind: LevelKindName;
  /** What a level write may not do beyond the plan: the limit (LIMIT_REACHED) and zero (BAD_USER_INPUT) are checked by the caller. */
  readonly wholeUnits: boolean;
  /** The period's overage at close, in arrears (QUOTA: the peak above included). */
  overage(wallet: Wallet, feature: PlanFeature): OverageCharge[];
  /** What a period opening with the wallet's levels bills in advance (SEATS: extra seats). */
  advance(wallet: Wallet, feature: PlanFeature): OverageCharge[];
  /** What raising the level to `level` bills now for the rest of the period (`left` of it), if anything. */
  immediate(wallet: Wallet, feature: PlanFeature, level: Amount, left: Ratio): ProRata | undefined;
  usageView(wallet: Wallet, feature: PlanFeature): FeatureUsage;
  entitlementView(wallet: Wallet, feature: PlanFeature): FeatureView;
}

const above = (level: Amount, feature: PlanFeature) => max(0n, level - (feature.included ?? 0n));
const price = (feature: PlanFeature) => feature.overagePrice ?? 0n;
const periodOf = (w: Wallet) => {
  const sub = w.subscription;
  return sub ? ` (${sub.periodStart.slice(0, 10)} to ${sub.periodEnd.slice(0, 10)})` : "";
};

/** Seats: paid for in advance, the period's peak is what it paid for. */
export const seats: LevelKind = {
  kind: "SEATS",
  wholeUnits: true,
  overage: () => [],
  advance(wallet, f) {
    const extra = above(levelOf(wallet, f.feature), f);
    if (extra === 0n || price(f) === 0n) return [];
    return [
      {
        description: `Extra seats of ${f.feature}${periodOf(wallet)}`,
        feature: f.feature,
        quantity: extra,
        unitPrice: price(f),
      },
    ];
  },
  immediate(wallet, f, level, left) {
    const added = above(level, f) - above(peakOf(wallet, f.feature), f);
    if (added <= 0n || price(f) === 0n || left.num === 0n) return undefined;
    // Exact to the ledger unit: the seats added x price x time left, one division, rounded on the line.
    const amount = divRound(multiply(added, price(f)) * left.num, left.den);
    return { quantity: added, unitPrice: divRound(price(f) * left.num, left.den), amount, fraction: left };
  },
  usageView(wallet, f) {
    const current = levelOf(wallet, f.feature);
    const paid = max(peakOf(wallet, f.feature), f.included ?? 0n);
    return {
      feature: f.feature,
      used: current,
      current,
      peak: paid,
      included: f.included ?? 0n,
      overage: above(current, f),
      cost: multiply(above(current, f), price(f)),
    };
  },
  /** One more seat is within what is paid for while `remaining` (paid, not assigned) is above zero; beyond, the next seat costs unitPrice per period (pro rata now). */
  entitlementView(wallet, f) {
    const current = levelOf(wallet, f.feature);
    const paid = max(peakOf(wallet, f.feature), f.included ?? 0n);
    const remaining = max(0n, paid - current);
    return { used: current, included: f.included ?? 0n, remaining, unitPrice: remaining > 0n ? 0n : price(f) };
  },
};

/** Quotas: a level that rises and falls; the period bills its peak above included, in arrears. */
export const quota: LevelKind = {
  kind: "QUOTA",
  wholeUnits: false,
  overage(wallet, f) {
    const over = above(peakOf(wallet, f.feature), f);
    if (over === 0n || price(f) === 0n) return [];
    return [
      { description: `Peak of ${f.feature} above included`, feature: f.feature, quantity: over, unitPrice: price(f) },
    ];
  },
  advance: () => [],
  immediate: () => undefined,
  usageView(wallet, f) {
    const peak = peakOf(wallet, f.feature);
    return {
      feature: f.feature,
      used: levelOf(wallet, f.feature),
      current: levelOf(wallet, f.feature),
      peak,
      included: f.included ?? 0n,
      overage: above(peak, f),
      cost: multiply(above(peak, f), price(f)),
    };
  },
  /** The next unit costs nothing while the level stays within included and the period's peak, then overagePrice. */
  entitlementView(wallet, f) {
    const current = levelOf(wallet, f.feature);
    const free = max(peakOf(wallet, f.feature), f.included ?? 0n);
    const remaining = max(0n, (f.included ?? 0n) - current);
    return { used: current, included: f.included ?? 0n, remaining, unitPrice: current < free ? 0n : price(f) };
  },
};

export const LEVEL_KINDS: Record<LevelKindName, LevelKind> = { SEATS: seats, QUOTA: quota };
export const levelKindOf = (feature: PlanFeature): LevelKind | undefined =>
  isLevelKind(feature.kind) ? LEVEL_KINDS[feature.kind] : undefined;

/** A SEATS or QUOTA plan feature from its input, checked (any model); `at` is its path in the input. */
export function levelFeature(input: PlanFeatureInput, kind: LevelKindName, at: string): PlanFeature {
  const foreign = Object.entries(input).find(
    ([field, value]) => field !== "feature" && value != null && !(LEVEL_FIELDS as readonly string[]).includes(field),
  );
  if (foreign)
    throw bad(`${at}.${foreign[0]} does not apply to a ${kind} feature (it takes included, overagePrice, limit)`);
  const included = input.included ?? 0n;
  if (kind === "SEATS" && included % SCALE !== 0n) throw bad(`${at}.included must be a whole number of seats`);
  if (input.limit != null && input.limit < included)
    throw bad(`${at}.limit must not be below ${at}.included (${formatDecimal(included)})`);
  if (input.limit != null && input.limit <= 0n) throw bad(`${at}.limit must be greater than zero`);
  return {
    feature: input.feature,
    kind,
    included,
    overagePrice: input.overagePrice ?? 0n,
    ...(input.limit != null ? { limit: input.limit } : {}),
  };
}

/** Every level feature's charges of a plan, at close (arrears) and for the period opening (advance). */
export const levelOverage = (wallet: Wallet, plan: Plan): OverageCharge[] =>
  plan.features.flatMap((f) => levelKindOf(f)?.overage(wallet, f) ?? []);
export const levelAdvance = (wallet: Wallet, plan: Plan): OverageCharge[] =>
  plan.features.flatMap((f) => levelKindOf(f)?.advance(wallet, f) ?? []);

/**
 * What a period cut short at `now` gives back of the extra seats it paid for (an immediate plan
 * change, a prorated immediate cancel): the seats paid for beyond included x price x time left,
 * negative, exact to 10^-12 and rounded once on its line. Quotas bill in arrears: nothing to give back.
 */
export function seatCredits(wallet: Wallet, plan: Plan, now: Date): (ProRata & { feature: string })[] {
  const left = periodLeft(wallet, now);
  if (left.num === 0n) return [];
  return plan.features.flatMap((f) => {
    const paid = f.kind === "SEATS" ? above(peakOf(wallet, f.feature), f) : 0n;
    if (paid === 0n || price(f) === 0n) return [];
    const amount = -divRound(multiply(paid, price(f)) * left.num, left.den);
    return [
      {
        feature: f.feature,
        quantity: -paid,
        unitPrice: divRound(price(f) * left.num, left.den),
        amount,
        fraction: left,
      },
    ];
  });
}

/** The rest of the wallet's period from `now`, as an exact fraction of it (milliseconds). */
export function periodLeft(wallet: Wallet, now: Date): Ratio {
  const sub = wallet.subscription;
  if (!sub) return { num: 0n, den: 1n };
  const start = Date.parse(sub.periodStart);
  const end = Date.parse(sub.periodEnd);
  const left = Math.max(0, Math.min(end - now.getTime(), end - start));
  return end > start ? { num: BigInt(left), den: BigInt(end - start) } : { num: 0n, den: 1n };
}

/**
 * What `amount` more would add to the bill now (quote): SEATS, the pro-rata invoice of the seats
 * beyond what is paid for; QUOTA, the overage the higher peak adds at close. Undefined when nothing.
 */
export function levelQuote(wallet: Wallet, f: PlanFeature, amount: Amount, now: Date): Amount | undefined {
  const level = levelOf(wallet, f.feature) + amount;
  if (f.kind === "SEATS") return seats.immediate(wallet, f, level, periodLeft(wallet, now))?.amount;
  const peak = peakOf(wallet, f.feature);
  const added = above(max(peak, level), f) - above(peak, f);
  return added > 0n && price(f) > 0n ? multiply(added, price(f)) : undefined;
}

/**
 * The wallet with only the levels `plan` has features for: a plan change or renewal into a plan
 * without a seats or quota feature ends its level (a later plan with it starts again from zero).
 */
export function levelsFor(wallet: Wallet, plan: Plan): Wallet {
  if (!wallet.levels) return wallet;
  const kept = Object.entries(wallet.levels).filter(([feature]) =>
    plan.features.some((f) => f.feature === feature && isLevelKind(f.kind)),
  );
  const levels = Object.fromEntries(kept);
  const peaks = Object.fromEntries(
    kept.map(([feature]) => [feature, wallet.peaks?.[feature] ?? levelOf(wallet, feature)]),
  );
  return { ...wallet, levels, peaks };
}
