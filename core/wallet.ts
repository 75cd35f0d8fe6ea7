/**
 * The wallet: one item per customer holding the subscription, the current period and every
 * counter that tracking moves. Counters are kept so that every concurrent change is a commutative
 * ADD guarded by a condition, never a read-modify-write:
 *
 * - credits:  `planCredits` granted this period, `creditsUsed` this period, `purchasedCredits` (the
 *   pack pool as of period start plus packs bought since) and `credits`, the total left. Usage eats
 *   plan credits first, so plan credits left = max(0, planCredits - creditsUsed) (never more than
 *   `credits`, see below) and the rest of `credits` is purchased.
 * - balance:  `allowance` granted this period, `topUps` (pool at period start plus top-ups since),
 *   `spent` this period and `balance` = allowance + topUps - spent. Spend eats the allowance first,
 *   then top-ups; below zero it is overage.
 * - holds (core/reservations): an open reservation moves what it holds out of what is available
 *   (`credits`, `balance`) into `heldCredits` / `heldAmount`, and adds its units to the feature's
 *   `usage` counter and to `heldUsage`, so the guards a track's condition already checks (credits,
 *   balance, a hard limit on `usage`) count holds without a word more; what was used is
 *   `usage - heldUsage` (usedOf). A steady-state track never touches the hold counters.
 * - `creditGrants`: account credit, money owed to the customer (core/account-credit/grant.ts), and
 *   `accountCredit`, their sum. Only period changes (which are conditioned on the version), grants
 *   and the invoices of added seats and add-ons (which bump it; the latter conditioned on each
 *   grant they take from: core/db/credit-taken.ts) write them.
 *
 * A voided purchase (core/invoices/void.ts) takes back all it granted, so the part already spent
 * becomes a debt: negative purchased credits, or a top-up pool below zero. It nets against what is
 * available (`credits`, `balance`), so the period's own grant left unused repays it first (plan
 * credits and allowance left never exceed `credits` and `balance`). What a close still finds owed
 * is billed as overage (money: a balance below zero) or carried as negative purchased credits that
 * the next grant or pack fills (credits cannot be billed).
 */
import { max, min, type Amount } from "./money";
import type { UsageAlert } from "./alerts/alert";
import type { EndedPeriod } from "./periods/grace";
import { carriedGrants, grantsHeld, grantsLeft, settleGrants, sumLeft, type CreditGrant } from "./credit-grants/grant";
import type { CreditGrant as AccountCreditGrant } from "./account-credit/grant";
import type { AppliedCoupon } from "./coupons/coupon";
import type { AttachedAddOn } from "./add-ons/add-on";

export type SubscriptionStatus = "ACTIVE" | "CANCELED";

export type Subscription = {
  planCode: string;
  status: SubscriptionStatus;
  /** The instant periods are counted from (anniversary billing). */
  anchor: string;
  periodIndex: number;
  periodStart: string;
  periodEnd: string;
  cancelAtPeriodEnd: boolean;
  scheduledPlanCode?: string;
  /** The coupon it holds (core/coupons). */
  coupon?: AppliedCoupon;
  /** What the current period's base fee was discounted by (exact): a proration credits the rest only. */
  baseDiscount?: Amount;
  /** When its free trial ends (or ended): core/subscriptions/trial.ts. */
  trialEnd?: string;
  /** The current period is the free trial (the API shows status TRIALING). */
  trialing?: boolean;
  /** While trial.will_end is still to be published: when (3 days before trialEnd). */
  trialReminderAt?: string;
  /** Its add-ons, as attached (core/add-ons), in `byAttachment` order: absent when none. */
  addOns?: AttachedAddOn[];
};

/**
 * The order of a subscription's add-ons wherever they are listed (Subscription.addOns, and the
 * ADD_ON lines of renewals, plan changes and cancels): when attached, then by code, compared by
 * code point, so add-ons attached at one instant (common on a test clock) keep a stable order. The
 * wallet keeps them in a map, which has no order: every read sorts (core/db/wallets.ts).
 */
export const byAttachment = (a: AttachedAddOn, b: AttachedAddOn): number =>
  compareStrings(a.attachedAt, b.attachedAt) || compareStrings(a.code, b.code);
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether the subscription is in its free trial now. */
export const inTrial = (sub: Subscription | undefined): boolean => sub?.trialing === true;

/** Whether the subscription's next close or trial reminder is due at `now`. */
export const isDue = (sub: Subscription, now: Date): boolean => Date.parse(dueAt(sub)) <= now.getTime();

/** The subscription without its trial state: the trial is over (trialEnd stays, as a record). */
export function afterTrial(sub: Subscription): Subscription {
  const { trialing: _t, trialReminderAt: _r, ...rest } = sub;
  return rest;
}

/** When the subscription needs its next close or reminder: the period's end, or the trial reminder before it. */
export const dueAt = (sub: Subscription): string =>
  sub.trialReminderAt && sub.trialReminderAt < sub.periodEnd ? sub.trialReminderAt : sub.periodEnd;

export type Wallet = {
  customerId: string;
  /** Bumped by every write; period changes are conditioned on it, so they never lose a write. */
  version: number;
  subscription?: Subscription;
  usage: Record<string, Amount>;
  featureCost: Record<string, Amount>;
  featureCredits: Record<string, Amount>;
  planCredits: Amount;
  creditsUsed: Amount;
  purchasedCredits: Amount;
  credits: Amount;
  allowance: Amount;
  topUps: Amount;
  spent: Amount;
  balance: Amount;
  accountCredit: Amount;
  /** Free credits granted (grantCredits), part of `credits`: core/credit-grants/grant.ts. */
  grants?: CreditGrant[];
  /** The period's use beyond its plan credits already settled into `grants`. */
  grantsBase?: Amount;
  /**
   * Free credits held at period start plus those granted since: what `credits.low` counts beside
   * plan and purchased credits (core/alerts/granted.ts), so a grant re-arms it like a pack does.
   * Moves only by a grant (ADD) and a period change (SET).
   */
  grantsGranted?: Amount;
  /** Account credit grants (grantAccountCredit), money owed to the customer: core/account-credit/grant.ts. */
  creditGrants: AccountCreditGrant[];
  /** Credits held by open reservations (taken out of `credits`). */
  heldCredits: Amount;
  /**
   * The part of `heldCredits` that came from credit grants that have expired since (absent: none).
   * A hold is a promise: a settle consumes these first, and they go to nobody when the holds that
   * keep them are given back (expiredHeldCredits, core/README.md "Holds beside credit grants").
   */
  heldExpired?: Amount;
  /** Money held by open reservations (taken out of `balance`). */
  heldAmount: Amount;
  /** Units held by open reservations, per feature (also counted in `usage`). */
  heldUsage: Record<string, Amount>;
  /** Reservations ever made (a reserve adds 1): what a lazy expiry's bookkeeping is conditioned on. */
  holdsMade: number;
  /** No open reservation expires before this instant (ISO); absent when none may be open. */
  holdsDueAt?: string;
  /**
   * The open holds: idempotency key -> the hold's expiry (ISO here; stored as 8 characters:
   * core/db/wallets.ts holdStamp), set by a reserve and removed by the settle, release or expiry
   * that ends it, in the same wallet update. Lazy expiry reads only
   * these reservations (core/reservations/expire.ts). Absent on a wallet that has not reserved
   * since the map was introduced (a legacy wallet: its holds are found by listing).
   */
  holds?: Record<string, string>;
  /** Held while one process catches up many periods (core/periods/close.ts): others wait or skip. */
  closeLease?: CloseLease;
  /** Usage thresholds (core/alerts): built-in markers by name, custom alerts by id, and the
   * revision that alert changes and arriving funds bump (a usage write asserts it is unchanged). */
  alarms?: Record<string, string>;
  alerts?: Record<string, UsageAlert>;
  alarmsRev?: number;
  /** A period that has ended but is still in its grace period for late events (core/periods/grace.ts). */
  ended?: EndedPeriod;
  /** SEATS and QUOTA features (core/models/levels.ts): the level now, carried while subscribed. */
  levels?: Record<string, Amount>;
  /** Their highest level this period (SEATS: what the period paid for), restarted at the level by each period. */
  peaks?: Record<string, Amount>;
};

/** `until` is wall-clock time (ms), not billing time: a lease guards a process, not a period. */
export type CloseLease = { owner: string; until: number };

export const emptyWallet = (customerId: string): Wallet => ({
  customerId,
  version: 0,
  usage: {},
  featureCost: {},
  featureCredits: {},
  planCredits: 0n,
  creditsUsed: 0n,
  purchasedCredits: 0n,
  credits: 0n,
  allowance: 0n,
  topUps: 0n,
  spent: 0n,
  balance: 0n,
  accountCredit: 0n,
  creditGrants: [],
  heldCredits: 0n,
  heldAmount: 0n,
  heldUsage: {},
  holdsMade: 0,
});

/**
/**
 * Plan credits not used (nor held) this period; a debt (see above) is repaid from them first, so
 * never more than `credits` less what free credits (grants) hold. Holds eat plan credits first,
 * then grants, then purchased credits, like usage (core/credit-grants/grant.ts counts them).
 */
export const planCreditsLeft = (w: Wallet): Amount =>
  min(max(0n, w.planCredits - w.creditsUsed - liveHeldCredits(w)), max(0n, w.credits - grantsHeld(w)));
/** Held credits taken from the pools that still exist (not from grants that expired under the hold). */
export const liveHeldCredits = (w: Wallet): Amount => w.heldCredits - (w.heldExpired ?? 0n);

/**
 * What giving back `held` credits of a hold does with the held credits of expired grants, when
 * the settle that gives it back charges `charged` credits (0 for a release or an expiry): they are
 * consumed first (`consumed`, never more than the hold or the charge), and what the holds still
 * open can no longer keep goes to nobody (`lost`). Of the hold, `held - consumed - lost` comes back
 * to what is available, and only `charged - consumed` is used from the pools.
 */
export function expiredHeldCredits(w: Wallet, held: Amount, charged: Amount): { consumed: Amount; lost: Amount } {
  const expired = w.heldExpired ?? 0n;
  if (expired === 0n || held <= 0n) return { consumed: 0n, lost: 0n };
  const consumed = min(expired, min(held, max(0n, charged)));
  return { consumed, lost: max(0n, expired - consumed - (w.heldCredits - held)) };
}
/** Free credits left (grantCredits), spent (and held) after plan credits and before purchased ones. */
export const grantCreditsLeft = (w: Wallet): Amount =>
  w.grants?.length ? sumLeft(grantsLeft(w, planCreditsLeft(w))) : 0n;
export const purchasedCreditsLeft = (w: Wallet): Amount => w.credits - planCreditsLeft(w) - grantCreditsLeft(w);
/** Allowance not spent (nor held) this period; a debt is repaid from it, so never more than `balance`. */
export const allowanceLeft = (w: Wallet): Amount =>
  min(max(0n, w.allowance - w.spent - w.heldAmount), max(0n, w.balance));
export const topUpsLeft = (w: Wallet): Amount => max(0n, w.topUps - max(0n, w.spent + w.heldAmount - w.allowance));
/** Spend beyond the allowance and top-ups: holds are not spend, so never billed. */
export const balanceOverage = (w: Wallet): Amount => max(0n, w.spent - w.allowance - w.topUps);

/** A feature's usage this period (what holds add to the counter is not usage yet). */
export const usedOf = (w: Wallet, feature: string): Amount => (w.usage[feature] ?? 0n) - (w.heldUsage[feature] ?? 0n);
/** A feature's counter as stored: usage plus held units, what a hard limit's condition checks. */
export const committedOf = (w: Wallet, feature: string): Amount => w.usage[feature] ?? 0n;

/** Whether an open reservation may have expired by `now` (core/reservations/expire.ts gives it back). */
export const holdsDue = (w: Wallet, now: Date): boolean =>
  w.holdsDueAt !== undefined && w.holdsDueAt <= now.toISOString();

/**
 * At most this many open holds per customer: each costs the wallet item about its key's length
 * plus about 10 bytes (`holds`), and an item stops at 400 KB (128-character keys: ~138 KB at the cap).
 */
export const MAX_OPEN_HOLDS = 1000;

/** The wallet with every hold given back to what is available (how a period change sees it). */
export const withoutHolds = ({ heldExpired: _gone, ...w }: Wallet): Wallet => ({
  ...w,
  // What holds kept of expired grants goes to nobody (expiredHeldCredits).
  credits: w.credits + w.heldCredits - (_gone ?? 0n),
  balance: w.balance + w.heldAmount,
  usage: Object.fromEntries(Object.entries(w.usage).map(([f, q]) => [f, q - (w.heldUsage[f] ?? 0n)])),
  heldCredits: 0n,
  heldAmount: 0n,
  heldUsage: {},
});

export const activeSubscription = (w: Wallet): Subscription | undefined =>
  w.subscription?.status === "ACTIVE" ? w.subscription : undefined;

/** What a period grants into the wallet's pools afresh (each model decides: core/models). */
export type PeriodGrant = { planCredits: Amount; allowance: Amount };
/** A period that grants nothing: a subscription that ended. */
export const NO_GRANT: PeriodGrant = { planCredits: 0n, allowance: 0n };

/**
 * The wallet at the start of a period that grants `grant` (pure). Usage counters restart; plan
 * credits and the allowance are granted afresh (unused ones expire); purchased credits and top-ups
 * left over carry into the new period untouched, whatever the plan or model before.
 *
 * Open reservations carry into the new period as holds: the closing period is computed as if they
 * had been given back (so what they held of its plan credits or allowance expires with it), and
 * the new period holds them again, from its own grant first (core/README.md, "Reservations").
 */
export function openPeriod(held: Wallet, grant: PeriodGrant, subscription: Subscription): Wallet {
  const before = withoutHolds(held);
  const { planCredits, allowance } = grant;
  // Free credits carry with what they have left, until they expire (core/credit-grants/grant.ts):
  // those expired by the change are settled first, so they repay no debt whether or not a write
  // settled them when they expired. A subscription that ends changes at its period's end.
  const at = subscription.status === "ACTIVE" ? subscription.periodStart : subscription.periodEnd;
  const wallet = before.grants?.length ? settleGrants(before, at) : before;
  const grants = wallet.grants?.length ? carriedGrants(wallet, planCreditsLeft(wallet), at) : [];
  const purchased = purchasedCreditsLeft(wallet);
  // A running period's close bills what the top-ups did not cover (a debt included); a wallet with
  // no running period has nothing billed, so its pool, a debt included, carries as it is.
  const topUps = activeSubscription(wallet) ? topUpsLeft(wallet) : wallet.topUps;
  return {
    customerId: wallet.customerId,
    version: wallet.version,
    subscription,
    usage: { ...held.heldUsage },
    featureCost: {},
    featureCredits: {},
    planCredits,
    creditsUsed: 0n,
    purchasedCredits: purchased,
    credits: planCredits + grants.reduce((sum, g) => sum + g.credits, 0n) + purchased - held.heldCredits,
    ...(grants.length ? { grants, grantsGranted: grants.reduce((sum, g) => sum + g.credits, 0n) } : {}),
    allowance,
    topUps,
    spent: 0n,
    balance: allowance + topUps - held.heldAmount,
    accountCredit: wallet.accountCredit,
    // Alerts and markers carry: markers name the period they fired in, so a new one re-arms them.
    ...(wallet.alarms ? { alarms: wallet.alarms } : {}),
    ...(wallet.alerts ? { alerts: wallet.alerts } : {}),
    ...(wallet.alarmsRev ? { alarmsRev: wallet.alarmsRev } : {}),
    creditGrants: wallet.creditGrants,
    heldCredits: held.heldCredits,
    heldAmount: held.heldAmount,
    heldUsage: held.heldUsage,
    holdsMade: held.holdsMade,
    ...(held.holdsDueAt ? { holdsDueAt: held.holdsDueAt } : {}),
    ...(held.holds ? { holds: held.holds } : {}),
    // An ended period in its grace period is issued on its own schedule, whatever changes meanwhile.
    ...(wallet.ended ? { ended: wallet.ended } : {}),
    // Seats and quota levels carry while the subscription lasts; each period's peak starts at them.
    ...(wallet.levels && subscription.status === "ACTIVE" ? { levels: wallet.levels, peaks: wallet.levels } : {}),
  };
}

/**
 * What the API shows of a wallet, as of the current period: what each pool was granted this period
 * and what is left of it. A field that does not apply to the model of the customer's plan is
 * absent (null on the API), never a misleading zero: credit fields belong to CREDITS plans, money
 * fields to BALANCE plans, and a METERED plan (or no subscription) has neither (each model's
 * walletView, core/models).
 *
 * Purchased credits and top-ups are the customer's own and never expire, so they carry across plan
 * changes of any model. Outside their model they cannot be spent, but they are still shown while
 * the customer holds any (`purchasedCredits` on a BALANCE plan after a CREDITS one), so nothing
 * paid for is hidden (heldPurchases); `credits` and `balance`, what usage can spend now, stay null
 * there.
 */
export type WalletView = {
  credits?: Amount;
  planCredits?: Amount;
  planCreditsGranted?: Amount;
  /** Free credits left (grantCredits). */
  grantedCredits?: Amount;
  purchasedCredits?: Amount;
  balance?: Amount;
  allowance?: Amount;
  allowanceGranted?: Amount;
  topUps?: Amount;
  spent?: Amount;
  overage?: Amount;
  /** CREDITS plans: credits held by open reservations (not in `credits`). */
  heldCredits?: Amount;
  /** BALANCE plans: money held by open reservations (not in `balance`). */
  heldAmount?: Amount;
};

/** Purchased credits and top-ups the customer holds (or owes), each shown only when not zero. */
export function heldPurchases(w: Wallet): WalletView {
  const purchased = purchasedCreditsLeft(w);
  const topUps = topUpsLeft(w);
  return { ...(purchased !== 0n ? { purchasedCredits: purchased } : {}), ...(topUps !== 0n ? { topUps } : {}) };
}
