/**
 * The grace period for late events (BILLING_GRACE_PERIOD, ./grace-period.ts), pure. With a grace
 * period, a close happens in two steps:
 *
 * 1. At the period's end the wallet **rolls**: the new period starts on time with its grant (the
 *    close's own renewal), and the ended period's counters move to `wallet.ended` with what its
 *    closing invoice will bill as base fee. No invoice yet.
 * 2. At `graceEnd` the closing invoice is **issued** from `ended` (its overage, late usage
 *    included, and the base fee), and `ended` is removed. From then on, late usage is PERIOD_CLOSED.
 *
 * Late usage (timestamped in the ended period, arriving before `graceEnd`) is booked into `ended`
 * by ADDs conditioned on it (core/db/late-usage-update.ts). It is priced on the ended period's plan
 * against what that period's own grant still had left when it ended: included units, plan credits,
 * allowance. Purchased credits, top-ups and free grants moved into the new period at the roll and
 * belong to the present: a late event never draws on them, so nothing the customer can spend now
 * changes for a late event. Beyond the ended period's grant a late event is overage on the closing
 * invoice where the plan bills overage (METERED, BALANCE), and refused where it does not (CREDITS:
 * INSUFFICIENT_CREDITS; a BALANCE plan with blockOnExhaustion: INSUFFICIENT_BALANCE); a METERED
 * `limit` applies to the ended period's counter.
 *
 * At most one period is in grace at a time: the grace ends at the latest when the next period
 * ends (a DAY plan with a 3-day grace has a 1-day grace), and a write that rolls the next period
 * issues the earlier invoice first. With a grace of 0 nothing of this happens: a close rolls and
 * issues in one step, as without the setting.
 */
import type { Amount } from "../money";
import type { InvoiceLine } from "../invoices/invoice";
import { dueAt as subscriptionDueAt, planCreditsLeft, topUpsLeft, type Subscription, type Wallet } from "../wallet";

/** A period that has ended, still open to late usage until `graceEnd`, and its closing invoice's inputs. */
export type EndedPeriod = {
  /** The subscription as it ran in the ended period. */
  subscription: Subscription;
  graceEnd: string;
  /** The base fee lines the close computed for the next period (with its discount), billed at the grace end. */
  baseFee?: InvoiceLine[];
  usage: Record<string, Amount>;
  featureCost: Record<string, Amount>;
  featureCredits: Record<string, Amount>;
  planCredits: Amount;
  creditsUsed: Amount;
  /** Plan credits the ended period had left (what a late CREDITS event may burn). */
  credits: Amount;
  allowance: Amount;
  /** The part of the top-ups the ended period used (or a debt it owed): the rest carried. */
  topUps: Amount;
  spent: Amount;
  /** allowance + topUps - spent: a late event with blockOnExhaustion may spend what is left of the allowance. */
  balance: Amount;
  /** SEATS and QUOTA levels and peaks as the period ended (core/models/levels.ts): a QUOTA's peak is billed at the grace end. */
  levels?: Record<string, Amount>;
  peaks?: Record<string, Amount>;
};

/**
 * The ended period of `wallet` (as it stood at its end, before the roll renewed it). Its pools are
 * the period's own grant: the top-ups it used stay with it (so its overage is what the close would
 * have billed), the ones left carried into the new period.
 */
export function endPeriod(wallet: Wallet, graceEnd: string, baseFee: InvoiceLine[] | undefined): EndedPeriod {
  const topUps = wallet.topUps - topUpsLeft(wallet);
  return {
    subscription: wallet.subscription!,
    graceEnd,
    ...(baseFee?.length ? { baseFee } : {}),
    usage: { ...wallet.usage },
    featureCost: { ...wallet.featureCost },
    featureCredits: { ...wallet.featureCredits },
    planCredits: wallet.planCredits,
    creditsUsed: wallet.creditsUsed,
    credits: planCreditsLeft(wallet),
    allowance: wallet.allowance,
    topUps,
    spent: wallet.spent,
    balance: wallet.allowance + topUps - wallet.spent,
    ...(wallet.levels ? { levels: { ...wallet.levels }, peaks: { ...(wallet.peaks ?? wallet.levels) } } : {}),
  };
}

/** The ended period as a wallet of its own: what late usage is priced against and its invoice billed from. */
export function endedWallet(customerId: string, ended: EndedPeriod): Wallet {
  return {
    customerId,
    version: 0,
    subscription: ended.subscription,
    usage: ended.usage,
    featureCost: ended.featureCost,
    featureCredits: ended.featureCredits,
    planCredits: ended.planCredits,
    creditsUsed: ended.creditsUsed,
    purchasedCredits: 0n,
    credits: ended.credits,
    allowance: ended.allowance,
    topUps: ended.topUps,
    spent: ended.spent,
    balance: ended.balance,
    accountCredit: 0n,
    creditGrants: [],
    // Holds live in the running period: an ended one was computed as if they had been given back.
    heldCredits: 0n,
    heldAmount: 0n,
    heldUsage: {},
    holdsMade: 0,
    ...(ended.levels ? { levels: ended.levels, peaks: ended.peaks ?? ended.levels } : {}),
  };
}

/** When a period that ended at `periodEnd` stops taking late usage: its grace, cut at the next period's end. */
export function graceEndOf(periodEnd: string, graceMs: number, renewed: Subscription | undefined): string {
  const end = new Date(Date.parse(periodEnd) + graceMs).toISOString();
  return renewed?.status === "ACTIVE" && renewed.periodEnd < end ? renewed.periodEnd : end;
}

/** When the wallet next needs the sweeper: its subscription's (period end, trial reminder) or its ended period's grace end. */
export function dueAt(wallet: Wallet): string | undefined {
  const sub = wallet.subscription?.status === "ACTIVE" ? subscriptionDueAt(wallet.subscription) : undefined;
  // ISO instants of one format: the earlier sorts first.
  return [sub, wallet.ended?.graceEnd].filter((t): t is string => t !== undefined).sort()[0];
}

/** Whether the ended period's invoice is due at `now`. */
export const issueDue = (wallet: Wallet, now: Date): boolean =>
  wallet.ended !== undefined && Date.parse(wallet.ended.graceEnd) <= now.getTime();

/** The ended period a usage timestamped `timestamp` is late for, if it is still in its grace at `now`. */
export function lateFor(wallet: Wallet, timestamp: Date, now: Date): EndedPeriod | undefined {
  const ended = wallet.ended;
  if (!ended || issueDue(wallet, now)) return undefined;
  const at = timestamp.getTime();
  const { periodStart, periodEnd } = ended.subscription;
  return at >= Date.parse(periodStart) && at < Date.parse(periodEnd) ? ended : undefined;
}
