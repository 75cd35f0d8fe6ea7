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
 * - `creditGrants`: account credit, money owed to the customer (core/account-credit/grant.ts), and
 *   `accountCredit`, their sum. Only period changes (which are conditioned on the version) and
 *   grants (which bump it) write them.
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
import { carriedGrants, grantsHeld, grantsLeft, settleGrants, sumLeft, type CreditGrant } from "./credit-grants/grant";
import type { CreditGrant as AccountCreditGrant } from "./account-credit/grant";
import type { AppliedCoupon } from "./coupons/coupon";

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
};

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
  /** Account credit grants (grantAccountCredit), money owed to the customer: core/account-credit/grant.ts. */
  creditGrants: AccountCreditGrant[];
  /** Held while one process catches up many periods (core/periods/close.ts): others wait or skip. */
  closeLease?: CloseLease;
  /** Usage thresholds (core/alerts): built-in markers by name, custom alerts by id, and the
   * revision that alert changes and arriving funds bump (a usage write asserts it is unchanged). */
  alarms?: Record<string, string>;
  alerts?: Record<string, UsageAlert>;
  alarmsRev?: number;
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
});

/**
 * Plan credits not used this period; a debt (see above) is repaid from them first, so never more
 * than `credits` less what free credits (grants) hold.
 */
export const planCreditsLeft = (w: Wallet): Amount =>
  min(max(0n, w.planCredits - w.creditsUsed), max(0n, w.credits - grantsHeld(w)));
/** Free credits left (grantCredits), spent after plan credits and before purchased ones. */
export const grantCreditsLeft = (w: Wallet): Amount =>
  w.grants?.length ? sumLeft(grantsLeft(w, planCreditsLeft(w))) : 0n;
export const purchasedCreditsLeft = (w: Wallet): Amount => w.credits - planCreditsLeft(w) - grantCreditsLeft(w);
/** Allowance not spent this period; a debt is repaid from it, so never more than `balance`. */
export const allowanceLeft = (w: Wallet): Amount => min(max(0n, w.allowance - w.spent), max(0n, w.balance));
export const topUpsLeft = (w: Wallet): Amount => max(0n, w.topUps - max(0n, w.spent - w.allowance));
export const balanceOverage = (w: Wallet): Amount => max(0n, w.spent - w.allowance - w.topUps);

/** A feature's usage this period. */
export const usedOf = (w: Wallet, feature: string): Amount => w.usage[feature] ?? 0n;

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
 */
export function openPeriod(before: Wallet, grant: PeriodGrant, subscription: Subscription): Wallet {
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
    usage: {},
    featureCost: {},
    featureCredits: {},
    planCredits,
    creditsUsed: 0n,
    purchasedCredits: purchased,
    credits: planCredits + grants.reduce((sum, g) => sum + g.credits, 0n) + purchased,
    ...(grants.length ? { grants } : {}),
    allowance,
    topUps,
    spent: 0n,
    balance: allowance + topUps,
    accountCredit: wallet.accountCredit,
    // Alerts and markers carry: markers name the period they fired in, so a new one re-arms them.
    ...(wallet.alarms ? { alarms: wallet.alarms } : {}),
    ...(wallet.alerts ? { alerts: wallet.alerts } : {}),
    ...(wallet.alarmsRev ? { alarmsRev: wallet.alarmsRev } : {}),
    creditGrants: wallet.creditGrants,
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
};

/** Purchased credits and top-ups the customer holds (or owes), each shown only when not zero. */
export function heldPurchases(w: Wallet): WalletView {
  const purchased = purchasedCreditsLeft(w);
  const topUps = topUpsLeft(w);
  return { ...(purchased !== 0n ? { purchasedCredits: purchased } : {}), ...(topUps !== 0n ? { topUps } : {}) };
}
