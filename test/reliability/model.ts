/**
 * The reference model: the billing rules, in memory, written to be obviously right
 * rather than fast or clever. It shares no code with core/ (its own rounding, period arithmetic and
 * pools), so a bug in core cannot hide in both. Money and quantities are bigint at 10^-12.
 *
 * Pools, as the design states them:
 * - CREDITS: plan credits left this period (reset at each period start) and pack credits (never
 *   expire); usage takes plan credits first; a track that does not fit is refused.
 * - BALANCE: allowance left this period (the base price, reset at each period start), top-ups left
 *   (never expire), and overage (spend beyond both, invoiced at close). Spend takes the allowance,
 *   then top-ups, then becomes overage. A top-up first pays down overage already run up this period
 *   (the funds are prepaid and the spend is still uninvoiced), the rest stays as a top-up.
 *
 * Reservations: a hold is kept apart from the pools (it is not spent), and what is
 * available is a pool less what open holds take from it (credits, balance; a hard limit counts held
 * units). So a close that carries a hold computes the closing period as if it were not there and
 * the next period's grant is what it is taken from again, without a line of code for it. A hold
 * ends at its expiry (the model expires it when the clock passes it); a settle prices the actual
 * usage like a track and charges at most the hold plus what is available where the plan blocks
 * (in a free trial every plan does: METERED counts units up to included, BALANCE stops at zero).
 * A hold is a promise: what open holds took of a credit grant (plan credits first, then the grants
 * in spending order) stays held when the grant expires (`heldExpired`, no pool's); settles consume
 * it first, and it shrinks to what the holds still open hold when one ends (the rest goes to
 * nobody), and to nothing at a close. Hold and grant expiries happen in time order (a grant first).
 *
 * Money rules:
 * - Proration: an immediate change (or a cancel asked to prorate) credits basePrice x min(time
 *   left, grant left) of the period cut short, the fraction rounded once to cents; grant left is
 *   plan credits left / granted (CREDITS), allowance left / allowance (BALANCE), the least
 *   (included - used) / included over features that include units (METERED), or time alone.
 * - An invoice with no line is not issued; a total is never below zero: it stops at 0.00 and the
 *   rest goes to the customer's account credit; an invoice with nothing to collect is PAID.
 * - A purchase the customer asks for (a pack, or a top-up of 5 to 10,000) is an OPEN invoice that
 *   grants nothing until it is paid; paid, it grants exactly as an operator's purchase would at
 *   that moment (a top-up pays down overage first); voided, it takes nothing back.
 * - Voiding an OPEN invoice that applied account credit gives exactly that credit back, as a new
 *   grant that never expires (a PAID one, e.g. one the credit covered in full, cannot be voided).
 * - Voiding an OPEN pack or top-up invoice takes all it granted back: the pack pool or the top-up
 *   pool may go below zero (a debt). The next purchase of that kind fills a debt first; the period's
 *   own grant left unused covers it (plan credits, allowance: shown so, and at the close); what a
 *   close still finds owed is billed (money: as overage, on any plan) or carried (credits).
 *
 * Thresholds (`fired`: the ids of the events they must publish, in order):
 * - built in: a METERED feature's usage reaching 80% (rounded up) and 100% of its included units;
 *   credits left (plan + pack) falling to 10% of the period's plan credits plus the pack pool as of
 *   period start and bought since (a void takes its grant out); the balance falling to 10% of the
 *   allowance plus the top-up pool likewise;
 * - custom alerts (USAGE of a feature, SPEND reaching; CREDITS_REMAINING, BALANCE_REMAINING falling
 *   to), EVERY_PERIOD or ONCE;
 * each fires when a track moves its level and leaves it there while armed; armed again at the next
 * period (not ONCE alerts), and for the funds levels when the funds they are a share of change. One
 * track reaching 80% and 100% publishes one event (100%); batches fire as their tracks one by one.
 * A low-funds threshold's id names its period and basis, and from its second firing in a period on
 * that firing's ordinal (`:2`, ...): a void brings a basis back that may have fired already.
 * Tiers, packages, grants and corrections:
 * - Tiered and package overage on METERED features: GRADUATED (each unit beyond included at its
 *   tier's price, tier bounds counting units beyond included), VOLUME (all of them at the tier the
 *   total falls in), a tier's flat fee once when any unit falls in it, one line per tier; packages:
 *   the overage price per started package. BALANCE FIXED with a package size: unitPrice x units /
 *   packageSize, rounded once to the ledger unit.
 * - Free credits (grantCredits) on CREDITS plans: spent after plan credits and before pack credits,
 *   expiring ones first (soonest first, then by key), never-expiring ones after them; an expired
 *   grant is gone at its expiry; a close carries what each has left. A pack debt at a close is
 *   repaid from the unused plan credits first, then from the grants spent last.
 * - adjustUsage: a signed correction recorded as an event; an increase is refused and charged as a
 *   track of the same units; a decrease (METERED here) never takes usage below zero. Timestamped
 *   in an ended period still in its grace, it corrects that period as a late event would be booked
 *   there (below); stamped before the current period otherwise, PERIOD_CLOSED.
 * Late events (a grace period, `graceMs`, BILLING_GRACE_PERIOD):
 * - At a period's end the next period starts as always, but its invoice waits until the grace ends
 *   (at the latest when the next period ends): the ended period keeps its usage, what its own grant
 *   had left (plan credits, allowance), its spend and overage, and a top-up debt; top-ups and pack
 *   credits left carry. Usage stamped in the ended period while the grace lasts goes there: priced
 *   on its plan, it uses what the ended period's grant had left, then is overage (METERED, BALANCE)
 *   or refused (CREDITS; BALANCE blocking); a limit counts the ended period's usage; it fires no
 *   threshold. At the grace end the invoice bills the ended period's overage and the next base fee.
 */
export const S = 10n ** 12n;
/**
 * The magnitudes the engine accepts (docs/concepts.md, "Bounds"), restated here: one event's value
 * at most 10^12 units, one top-up at most 10^9, and every running sum (a feature's usage in a
 * period, a METERED feature's overage in money, a period's spend) at most 10^18.
 */
export const MAX_EVENT_VALUE = 10n ** 12n * S;
export const MAX_TOP_UP = 10n ** 9n * S;
export const MAX_SUM = 10n ** 18n * S;
/** What a customer may ask to top up in one request (requestTopUp), in the customer's currency. */
export const MIN_TOP_UP_REQUEST = 5n * S;
export const MAX_TOP_UP_REQUEST = 10_000n * S;

/** n / d rounded half away from zero. */
export function roundDiv(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n;
  const a = n < 0n ? -n : n;
  const b = d < 0n ? -d : d;
  const q = (a * 2n + b) / (2n * b);
  return neg ? -q : q;
}
/** Ledger units to whole cents (still in ledger units), half away from zero. */
export const cents = (v: bigint) => roundDiv(v, 10n ** 10n) * 10n ** 10n;
/** quantity x unit price, both at 10^-12, back at 10^-12 (workload prices keep this exact). */
export const times = (q: bigint, p: bigint) => roundDiv(q * p, S);
export const dec = (text: string): bigint => {
  const [w, f = ""] = text.split(".");
  const neg = w!.startsWith("-");
  const v = BigInt(w!.replace("-", "") + f.padEnd(12, "0").slice(0, 12));
  return neg ? -v : v;
};
const maxB = (a: bigint, b: bigint) => (a > b ? a : b);
const minB = (a: bigint, b: bigint) => (a < b ? a : b);

export type Model = "METERED" | "CREDITS" | "BALANCE";
export type MFeature =
  | { feature: string; kind: "BOOLEAN" }
  /** Seats (billed in advance, added ones pro rata at once) and quotas (the period's peak, in arrears). */
  | { feature: string; kind: "SEATS" | "QUOTA"; included?: bigint; overagePrice?: bigint; limit?: bigint }
  | {
      feature: string;
      kind: "METERED";
      included?: bigint;
      overagePrice?: bigint;
      limit?: bigint;
      creditsPerUnit?: bigint;
      unitPrice?: bigint;
      pricing?: "AI_MODEL";
      marginBps?: number;
      tiers?: { upTo?: bigint; unitPrice: bigint; flatFee?: bigint }[];
      tierMode?: "GRADUATED" | "VOLUME";
      packageSize?: bigint;
    };
/** A free credit grant: what it has left, and when it expires (ms; none: never). */
export type MCreditGrant = { key: string; left: bigint; expiresAt?: number };
/** An AI model's prices, ledger units per 1M tokens; no cache-read price: cache reads bill at the input price. */
export type MAiPrice = { input: bigint; output: bigint; cacheRead?: bigint };
export type MTokens = { model: string; input: bigint; output: bigint; cacheRead: bigint };
export type MPlan = {
  code: string;
  model: Model;
  basePrice: bigint;
  /**
   * Monthly periods per billing cycle (default 1): a YEAR plan reset monthly has 12, its base fee
   * billed once a cycle, in advance, and a scheduled change or cancel waiting for the cycle's end.
   */
  cycle?: number;
  includedCredits: bigint;
  blockOnExhaustion: boolean;
  features: MFeature[];
};
export type MPack = { code: string; credits: bigint; price: bigint };

export type MSub = {
  planCode: string;
  status: "ACTIVE" | "CANCELED";
  anchor: number;
  periodIndex: number;
  periodStart: number;
  periodEnd: number;
  cancelAtPeriodEnd: boolean;
  scheduledPlanCode?: string;
  /** A free trial's period (issue 16): no base fee, no overage; its end starts a fresh anchor. */
  trialing?: boolean;
  coupon?: MApplied;
  /** What this period's base fee was discounted by (exact): a proration credits the rest. */
  baseDiscount?: bigint;
  /** Add-ons attached (issue 17), in the order attached (at one instant: by code), as the product lists them. */
  addOns?: MAddOn[];
};
/**
 * An add-on as attached: `grants` units of a METERED feature a period (the simulation grants only
 * a feature that only METERED plans price), or none: a BOOLEAN feature turned on.
 */
export type MAddOn = {
  code: string;
  feature: string;
  price: bigint;
  grants?: bigint;
  quantity: number;
  /**
   * When attached (the test clock): the product lists a subscription's add-ons, and bills their
   * ADD_ON lines, by it, then by code (core/add-ons/add-on.ts `byAttachment`); attached again while
   * detaching keeps it.
   */
  attachedAt: number;
  detaching?: boolean;
};
/** The product's order of a subscription's add-ons: when attached, then code. */
const byAttachment = (a: MAddOn, b: MAddOn) =>
  a.attachedAt - b.attachedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
export type MCoupon = {
  code: string;
  percentOffBps?: number;
  amountOff?: bigint;
  duration: "ONCE" | "REPEATING" | "FOREVER";
  durationCycles?: number;
  maxRedemptions?: number;
  planCodes: string[];
  redemptions: number;
};
export type MApplied = { coupon: MCoupon; remaining?: number };
export type MLine = {
  kind: string;
  feature?: string;
  quantity: bigint;
  unitPrice: bigint;
  amount: bigint;
  periodStart?: number;
  periodEnd?: number;
};
export type MGrant = { kind: "CREDIT_PACK" | "TOP_UP"; value: bigint };
export type MInvoice = {
  customerId: string;
  periodStart?: number;
  periodEnd?: number;
  lines: MLine[];
  total: bigint;
  status: "OPEN" | "PAID" | "VOID";
  grant?: MGrant;
  /** A purchase the customer asked for: granted (becomes `grant`) when paid, never when voided. */
  pending?: MGrant;
  reversal?: { granted: bigint; unspent: bigint; spent: bigint };
  /** Voided after it applied account credit: what the void gave back (a new grant without expiry). */
  creditReturned?: bigint;
};
export type MEvent = {
  key: string;
  payload: string;
  feature: string;
  value: bigint;
  cost?: bigint;
  credits?: bigint;
  periodStart: number;
};

/** A reservation: what it holds (credits on CREDITS plans, money on BALANCE plans, units always). */
export type MHold = {
  key: string;
  payload: string;
  feature: string;
  quantity: bigint;
  credits: bigint;
  amount: bigint;
  expiresAt: number;
  status: "HELD" | "SETTLED" | "RELEASED" | "EXPIRED";
  settlePayload?: string;
  /** The settle's answer, for its replays. */
  settled?: { cost?: bigint; capped: boolean };
};

/**
 * `packCredits` and `topUpsLeft` go below zero only by a void (a debt). `planCreditsLeft` and
 * `allowanceLeft` are what the period's usage left of its grant (`planCreditsGranted`, the plan's
 * base price), before any debt is counted against them (see the views).
 */
export type MCustomer = {
  id: string;
  sub?: MSub;
  usage: Map<string, bigint>;
  planCreditsGranted: bigint;
  planCreditsLeft: bigint;
  packCredits: bigint;
  allowanceLeft: bigint;
  topUpsLeft: bigint;
  overage: bigint;
  spent: bigint;
  /** Account credit: what is left of each grant and when it expires (Infinity: never). */
  creditGrants: { remaining: bigint; expiresAt: number }[];
  /** grantAccountCredit keys and what they granted. */
  grantKeys: Map<string, string>;
  events: Map<string, MEvent>;
  purchases: Map<string, string>;
  /** Thresholds: what each fired with (its arming), the funds the low ones are a share of, the custom alerts. */
  alarms: Map<string, string>;
  /** How many times each low-funds threshold fired in a period (`<marker>#<periodStart>`): its event ids carry it. */
  lowFirings: Map<string, number>;
  packBasis: bigint;
  topUpBasis: bigint;
  alerts: MAlert[];
  grants: MCreditGrant[];
  /** grantCredits requests by key, as text: a replay is the same text. */
  grantRequests: Map<string, string>;
  /** Free credits held at period start plus granted since: part of what credits.low is a share of. */
  grantBasis: bigint;
  /** attachAddOn requests by key ("code|quantity"): a replay is the same text. */
  addOnKeys: Map<string, string>;
  /** SEATS and QUOTA features: the level now (carried while subscribed) and this period's peak. */
  levels: Map<string, bigint>;
  peaks: Map<string, bigint>;
  reservations: Map<string, MHold>;
  /** What open holds keep of grants that expired under them (part of what they hold, no pool's). */
  heldExpired: bigint;
  /** A period that ended and is still in its grace period for late events (see the rules above). */
  ended?: MEnded;
  /** deleteCustomer erased it: its subscription ended then, and it cannot subscribe again. */
  deleted?: boolean;
};

/** An ended period in its grace: its own counters, and the base fee its invoice will bill. */
export type MEnded = {
  planCode: string;
  periodStart: number;
  periodEnd: number;
  graceEnd: number;
  usage: Map<string, bigint>;
  planCreditsLeft: bigint;
  allowanceLeft: bigint;
  /** A top-up debt it owes (never above zero: the top-ups left carried). */
  topUpsLeft: bigint;
  overage: bigint;
  spent: bigint;
  /** Whether it was a free trial: a late event in it may not go beyond its grant either. */
  trialing: boolean;
  /** Its SEATS and QUOTA levels and peaks as it ended (a QUOTA's peak is billed at the grace end). */
  levels: Map<string, bigint>;
  peaks: Map<string, bigint>;
  baseFee?: MLine[];
  /** Its add-ons: a METERED grant counts in its included units. */
  addOns?: MAddOn[];
};

export type MAlert = {
  id: string;
  metric: "USAGE" | "SPEND" | "CREDITS_REMAINING" | "BALANCE_REMAINING";
  feature?: string;
  threshold: bigint;
  recurrence: "ONCE" | "EVERY_PERIOD";
  triggers: number;
};

/** A threshold as the model sees it: a level of the customer, reached going up or falling down. */
type MThreshold = {
  marker: string;
  level: (c: MCustomer) => bigint;
  up: boolean;
  at: bigint;
  armedAs: string;
  family: string;
  rank: number;
  eventId: () => string;
};

/** The shortest exact decimal of a ledger amount ("100", "0.5"). */
export function decimal(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % S).toString().padStart(12, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${a / S}${frac ? `.${frac}` : ""}`;
}

/** anchor + n months, the anchor's day clamped to the month's length, UTC. */
export function addMonths(anchor: number, n: number): number {
  const a = new Date(anchor);
  const month = a.getUTCMonth() + n;
  const y = a.getUTCFullYear() + Math.floor(month / 12);
  const m = ((month % 12) + 12) % 12;
  const days = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(a.getUTCDate(), days),
    a.getUTCHours(),
    a.getUTCMinutes(),
    a.getUTCSeconds(),
    a.getUTCMilliseconds(),
  );
}

export type TrackArgs = {
  customerId: string;
  feature: string;
  key: string;
  value: bigint;
  timestamp?: number;
  tokens?: MTokens;
};
/** `cost`: what an accepted (or replayed) BALANCE track was charged, as the answer must show it. */
export type Outcome =
  | {
      ok: true;
      replayed?: boolean;
      cost?: bigint;
      reversal?: MInvoice["reversal"] | null;
      capped?: boolean;
      /** A void: the account credit it gave back (null: none). */
      creditReturned?: bigint | null;
    }
  | { ok: false; code: string };

/**
 * One AI call's cost: the exact sum over token types of tokens x price per 1M x (10,000 + margin)
 * / (10,000 x 1,000,000), rounded once, half away from zero, to the ledger unit.
 */
export function aiCost(price: MAiPrice, t: MTokens, marginBps: number): bigint {
  const raw = t.input * price.input + t.output * price.output + t.cacheRead * (price.cacheRead ?? price.input);
  return roundDiv(raw * (10_000n + BigInt(marginBps)), 10_000n * 1_000_000n);
}

export class BillingModel {
  now: number;
  readonly customers = new Map<string, MCustomer>();
  readonly invoices: MInvoice[] = [];
  /** Trials whose end started a paid period. */
  trialsConverted = 0;
  /**
   * Coverage of the subscription lifecycle: closes inside a billing cycle of several periods (a
   * monthly reset of a yearly plan: no base fee), thresholds fired in such a month after the first,
   * customers deleted, subscribers moved by migrateSubscribers.
   */
  readonly lifecycle = { resetsInCycle: 0, firedAfterReset: 0, deleted: 0, migrated: 0 };
  /** Issue 16's coupons, with their redemptions. */
  readonly coupons = new Map<string, MCoupon>();
  /** The AI model catalog as it stands now: a reprice changes what later tracks cost, never earlier ones. */
  readonly aiPrices = new Map<string, MAiPrice>();
  /** Coverage: overage lines billed per tier or per package, grants and corrections accepted. */
  readonly pricing = {
    tierLines: 0,
    packageLines: 0,
    grants: 0,
    adjustments: 0,
    seatLines: 0,
    quotaLines: 0,
    addOnLines: 0,
  };
  /** Coverage: credit grants that expired while open holds had some of them; settles in a free trial. */
  readonly holdCoverage = { grantExpiredUnderHold: 0, settledInTrial: 0 };

  constructor(
    readonly plans: Map<string, MPlan>,
    readonly packs: Map<string, MPack>,
    start: number,
    /** The grace period for late events, ms (0: a close invoices at once). */
    readonly graceMs = 0,
  ) {
    this.now = start;
  }

  /**
   * Coverage: late events booked into an ended period, closing invoices issued at a grace end,
   * timestamped corrections booked into an ended period, and ones refused PERIOD_CLOSED.
   */
  readonly late = { booked: 0, issued: 0, corrected: 0, correctionsClosed: 0 };

  addCustomer(id: string) {
    this.customers.set(id, {
      id,
      usage: new Map(),
      planCreditsGranted: 0n,
      planCreditsLeft: 0n,
      packCredits: 0n,
      allowanceLeft: 0n,
      topUpsLeft: 0n,
      overage: 0n,
      spent: 0n,
      creditGrants: [],
      grantKeys: new Map(),
      events: new Map(),
      purchases: new Map(),
      alarms: new Map(),
      lowFirings: new Map(),
      packBasis: 0n,
      topUpBasis: 0n,
      alerts: [],
      grants: [],
      grantRequests: new Map(),
      grantBasis: 0n,
      addOnKeys: new Map(),
      reservations: new Map(),
      heldExpired: 0n,
      levels: new Map(),
      peaks: new Map(),
    });
  }

  private c(id: string) {
    const c = this.customers.get(id);
    if (!c) throw new Error(`model: unknown customer ${id}`);
    return c;
  }
  active = (c: MCustomer) => (c.sub?.status === "ACTIVE" ? c.sub : undefined);
  plan = (code: string) => this.plans.get(code)!;
  /**
   * The plan as a subscription's add-ons extend it: a BOOLEAN add-on adds its feature, a granting
   * one adds grants x quantity to the included units of its METERED feature where the plan prices it.
   */
  subPlan(sub: { planCode: string; addOns?: MAddOn[] }): MPlan {
    const plan = this.plan(sub.planCode);
    if (!sub.addOns?.length) return plan;
    let features = plan.features;
    for (const a of sub.addOns) {
      const f = features.find((x) => x.feature === a.feature);
      if (a.grants === undefined) {
        if (!f) features = [...features, { feature: a.feature, kind: "BOOLEAN" }];
      } else if (f?.kind === "METERED") {
        if (plan.model !== "METERED") throw new Error("model: add-on grants are simulated on METERED plans only");
        const grant = a.grants * BigInt(a.quantity);
        features = features.map((x) => (x === f ? { ...f, included: (f.included ?? 0n) + grant } : x));
      }
    }
    return { ...plan, features };
  }
  /** The add-ons a period opening on `plan` keeps: not detaching, and (a granting one) the plan prices its feature. */
  keptAddOns = (sub: MSub, plan: MPlan): MAddOn[] =>
    (sub.addOns ?? [])
      .filter(
        (a) =>
          !a.detaching &&
          (a.grants === undefined || plan.features.some((f) => f.feature === a.feature && f.kind === "METERED")),
      )
      .map(({ detaching: _d, ...a }) => a);
  /** ADD_ON lines of the period `sub` opens, in advance: price x quantity. */
  addOnAdvance(sub: MSub): MLine[] {
    return (sub.addOns ?? [])
      .filter((a) => a.price > 0n)
      .map((a) => {
        this.pricing.addOnLines++;
        return this.line("ADD_ON", BigInt(a.quantity) * S, a.price, a.feature, [sub.periodStart, sub.periodEnd]);
      });
  }
  /** `quantity` x price x the rest of the period, exact to 10^-12 then rounded to the cent (negative: given back). */
  private addOnProRata(sub: MSub, a: MAddOn, sign: 1n | -1n): MLine | undefined {
    const num = BigInt(Math.max(0, sub.periodEnd - this.now));
    const den = BigInt(sub.periodEnd - sub.periodStart);
    if (num === 0n || a.price === 0n) return undefined;
    const units = BigInt(a.quantity) * S;
    const exact = roundDiv(times(units, a.price) * num, den);
    this.pricing.addOnLines++;
    return {
      kind: "ADD_ON",
      feature: a.feature,
      quantity: sign * units,
      unitPrice: roundDiv(a.price * num, den),
      amount: cents(sign * exact),
      periodStart: this.now,
      periodEnd: sub.periodEnd,
    };
  }
  /** What a period cut short now gives back of its add-ons. */
  private addOnCredits = (sub: MSub): MLine[] =>
    (sub.addOns ?? []).flatMap((a) => this.addOnProRata(sub, a, -1n) ?? []);
  credits = (c: MCustomer) => c.planCreditsLeft + this.granted(c) + c.packCredits;
  granted = (c: MCustomer) => c.grants.reduce((sum, g) => sum + g.left, 0n);
  /** Grants in the order usage spends them: expiring soonest first, never-expiring last, then by key. */
  spendingOrder = (c: MCustomer) =>
    [...c.grants].sort((a, b) =>
      (a.expiresAt ?? Infinity) !== (b.expiresAt ?? Infinity)
        ? (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity)
        : a.key < b.key
          ? -1
          : 1,
    );
  /** What each grant shows: a pack debt beyond the plan credits left is taken from the grants spent last. */
  grantsShown(c: MCustomer): Map<string, bigint> {
    let uncovered = maxB(0n, -c.packCredits - c.planCreditsLeft);
    const shown = new Map<string, bigint>();
    for (const g of this.spendingOrder(c).reverse()) {
      const taken = minB(g.left, uncovered);
      uncovered -= taken;
      shown.set(g.key, g.left - taken);
    }
    return shown;
  }
  balance = (c: MCustomer) => c.allowanceLeft + c.topUpsLeft - c.overage;
  /** What open reservations hold. */
  held = (c: MCustomer, what: (h: MHold) => bigint) =>
    [...c.reservations.values()].filter((h) => h.status === "HELD").reduce((sum, h) => sum + what(h), 0n);
  heldUsage = (c: MCustomer, feature: string) => this.held(c, (h) => (h.feature === feature ? h.quantity : 0n));
  /** What usage can take now: the pools less what open holds take from them. */
  creditsAvailable = (c: MCustomer) => this.credits(c) - (this.held(c, (h) => h.credits) - c.heldExpired);
  /** A hold ended: what the holds still open keep of expired grants is at most what they hold. */
  private holdEnded(c: MCustomer) {
    c.heldExpired = minB(
      c.heldExpired,
      this.held(c, (h) => h.credits),
    );
  }
  /** Grants expiring at `expiry`: what open holds took of them (after plan credits) stays held. */
  private expireGrants(c: MCustomer, expiry: number) {
    let rest = maxB(0n, this.held(c, (h) => h.credits) - c.heldExpired - maxB(0n, c.planCreditsLeft));
    for (const g of this.spendingOrder(c)) {
      const taken = minB(g.left, rest);
      rest -= taken;
      if (g.expiresAt === expiry) c.heldExpired += taken;
      if (g.expiresAt === expiry && taken > 0n) this.holdCoverage.grantExpiredUnderHold++;
    }
    c.grants = c.grants.filter((g) => g.expiresAt !== expiry);
  }
  balanceAvailable = (c: MCustomer) => this.balance(c) - this.held(c, (h) => h.amount);
  /**
   * Plan credits and grants shown with `heldCredits` held (the server's derived shares): holds take
   * plan credits first, then the grants in spending order; a debt is repaid from the plan credits
   * left, then from the grants spent last.
   */
  creditsShown(c: MCustomer, heldCredits: bigint): { planCredits: bigint; grantedShown: bigint } {
    const credits = this.creditsAvailable(c);
    let rest = maxB(0n, heldCredits - maxB(0n, c.planCreditsLeft));
    const own = this.spendingOrder(c).map((g) => {
      const taken = minB(g.left, rest);
      rest -= taken;
      return g.left - taken;
    });
    const ownSum = own.reduce((a, b) => a + b, 0n);
    const planCredits = minB(maxB(0n, c.planCreditsLeft - heldCredits), maxB(0n, credits - ownSum));
    let available = maxB(0n, credits - planCredits);
    let grantedShown = 0n;
    for (const o of own) {
      const left = minB(o, available);
      available -= left;
      grantedShown += left;
    }
    return { planCredits, grantedShown };
  }
  /** What the customer is shown: the grant left, less a debt it covers. */
  planCreditsShown = (c: MCustomer) => minB(c.planCreditsLeft, maxB(0n, c.planCreditsLeft + c.packCredits));
  allowanceShown = (c: MCustomer) => minB(c.allowanceLeft, maxB(0n, this.balance(c)));
  /** Money owed at a close: spend beyond allowance and top-ups, a top-up debt the allowance left does not cover. */
  owed = (c: MCustomer) => maxB(0n, -this.balance(c));

  /**
   * A new period of `plan` (or none): usage restarts, plan credits and allowance granted afresh.
   * `billed`: the period that ends was closed with its money owed on the invoice (a running
   * period); else (a canceled customer subscribing again) the pools carry as they are, a debt too.
   */
  private openPeriod(c: MCustomer, plan: MPlan | undefined, sub: MSub, billed = true) {
    // What holds kept of expired grants goes to nobody: the new period takes the holds again.
    c.heldExpired = 0n;
    if (billed) {
      // Credits cannot be billed: unused plan credits cover a pack debt, then the grants spent
      // last, the rest carries.
      if (c.packCredits < 0n) {
        const shown = this.grantsShown(c);
        const fromGrants = c.grants.reduce((sum, g) => sum + g.left - shown.get(g.key)!, 0n);
        for (const g of c.grants) g.left = shown.get(g.key)!;
        c.packCredits = minB(0n, c.planCreditsLeft + c.packCredits + fromGrants);
      }
      c.grants = c.grants.filter((g) => g.left > 0n);
      // Money owed was billed; a top-up debt the unused allowance covered is settled.
      if (c.topUpsLeft < 0n) c.topUpsLeft = 0n;
    }
    // Levels carry while subscribed, for the features the plan has; each period's peak starts at them.
    const levelFeatures =
      sub.status === "ACTIVE" && plan ? plan.features.filter((f) => f.kind === "SEATS" || f.kind === "QUOTA") : [];
    c.levels = new Map(
      levelFeatures.filter((f) => c.levels.has(f.feature)).map((f) => [f.feature, c.levels.get(f.feature)!]),
    );
    c.peaks = new Map(c.levels);
    c.sub = sub;
    c.usage = new Map();
    c.spent = 0n;
    c.overage = 0n;
    c.planCreditsGranted = plan?.model === "CREDITS" ? plan.includedCredits : 0n;
    c.planCreditsLeft = c.planCreditsGranted;
    c.allowanceLeft = plan?.model === "BALANCE" ? plan.basePrice : 0n;
    c.packBasis = c.packCredits;
    c.grantBasis = this.granted(c);
    c.topUpBasis = c.topUpsLeft;
  }

  /** The account credit usable at `at`: grants not expired by then. */
  accountCredit = (c: MCustomer, at = this.now) =>
    c.creditGrants.filter((g) => g.expiresAt > at).reduce((s, g) => s + g.remaining, 0n);

  /**
   * `at`: when the invoice takes account credit (a close: its period's end). A purchase takes none;
   * any other invoice takes what it can, soonest-expiring grant first, as an ACCOUNT_CREDIT line;
   * a sum below zero is issued at 0.00 and the rest is a new grant that never expires.
   */
  private invoice(
    c: MCustomer,
    lines: MLine[],
    period?: { start: number; end: number },
    grant?: MGrant,
    pending?: MGrant,
    at = this.now,
    /** Account credit applies (not to purchases; to mid-period seat and add-on invoices too). */
    settles = !grant && !pending,
  ) {
    if (!lines.length) return;
    if (settles) {
      c.creditGrants = c.creditGrants.filter((g) => g.expiresAt > at && g.remaining > 0n);
      c.creditGrants.sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));
      const owed = lines.reduce((s, l) => s + l.amount, 0n);
      const applied = minB(maxB(0n, owed), this.accountCredit(c, at));
      if (applied > 0n) {
        lines = [...lines, { kind: "ACCOUNT_CREDIT", quantity: S, unitPrice: -applied, amount: -applied }];
        let left = applied;
        for (const g of c.creditGrants) {
          const take = minB(g.remaining, left);
          g.remaining -= take;
          left -= take;
        }
      }
    }
    const sum = lines.reduce((s, l) => s + l.amount, 0n);
    const total = maxB(0n, sum);
    if (total > sum) c.creditGrants.push({ remaining: total - sum, expiresAt: Number.POSITIVE_INFINITY });
    this.invoices.push({
      customerId: c.id,
      ...(period ? { periodStart: period.start, periodEnd: period.end } : {}),
      lines,
      total,
      status: total === 0n ? "PAID" : "OPEN",
      ...(grant ? { grant } : {}),
      ...(pending ? { pending } : {}),
    });
  }

  private line(kind: string, quantity: bigint, unitPrice: bigint, feature?: string, period?: [number, number]): MLine {
    return {
      kind,
      ...(feature ? { feature } : {}),
      quantity,
      unitPrice,
      amount: cents(times(quantity, unitPrice)),
      ...(period ? { periodStart: period[0], periodEnd: period[1] } : {}),
    };
  }

  /** The money a period owes beyond its base fee, for `period` (the closed one, or its part used). */
  private overageLines(c: MCustomer, plan: MPlan, period: [number, number]): MLine[] {
    const lines: MLine[] = [];
    if (plan.model === "METERED") {
      for (const f of plan.features) {
        if (f.kind !== "METERED") continue;
        const over = maxB(0n, (c.usage.get(f.feature) ?? 0n) - (f.included ?? 0n));
        if (over <= 0n) continue;
        if (f.tiers) lines.push(...this.tierLines(f, over, period));
        else if (f.packageSize) {
          const packages = (over + f.packageSize - 1n) / f.packageSize;
          lines.push(this.line("OVERAGE", packages * S, f.overagePrice ?? 0n, f.feature, period));
          this.pricing.packageLines++;
        } else lines.push(this.line("OVERAGE", over, f.overagePrice ?? 0n, f.feature, period));
      }
    }
    // BALANCE: spend beyond the balance; any model: a voided top-up that was spent.
    if (this.owed(c) > 0n) lines.push(this.line("OVERAGE", S, this.owed(c), undefined, period));
    // QUOTA, any model: the period's peak above included.
    for (const f of plan.features) {
      if (f.kind !== "QUOTA") continue;
      const over = maxB(0n, this.peakOf(c, f.feature) - (f.included ?? 0n));
      if (over === 0n || !f.overagePrice) continue;
      lines.push(this.line("OVERAGE", over, f.overagePrice, f.feature, period));
      this.pricing.quotaLines++;
    }
    return lines;
  }

  /** One line per tier with units, and one per flat fee of a tier that has units. */
  private tierLines(f: Extract<MFeature, { kind: "METERED" }>, over: bigint, period: [number, number]): MLine[] {
    const lines: MLine[] = [];
    const tiers = f.tiers!;
    let lower = 0n;
    for (const t of tiers) {
      const inTier =
        f.tierMode === "VOLUME"
          ? over > lower && (t.upTo === undefined || over <= t.upTo)
            ? over
            : 0n
          : minB(over, t.upTo ?? over) - lower;
      if (inTier > 0n) {
        lines.push(this.line("OVERAGE", inTier, t.unitPrice, f.feature, period));
        this.pricing.tierLines++;
        if (t.flatFee) lines.push(this.line("OVERAGE", S, t.flatFee, f.feature, period));
      }
      if (t.upTo === undefined || over <= t.upTo) break;
      lower = t.upTo;
    }
    return lines;
  }

  levelOf = (c: MCustomer, feature: string) => c.levels.get(feature) ?? 0n;
  peakOf = (c: MCustomer, feature: string) => maxB(c.peaks.get(feature) ?? 0n, this.levelOf(c, feature));

  /** The extra seats of the period `c` has just opened on `plan`, billed in advance. */
  private seatAdvance(c: MCustomer, plan: MPlan): MLine[] {
    const sub = c.sub!;
    return plan.features.flatMap((f) => {
      if (f.kind !== "SEATS") return [];
      const extra = maxB(0n, this.levelOf(c, f.feature) - (f.included ?? 0n));
      if (extra === 0n || !f.overagePrice) return [];
      this.pricing.seatLines++;
      return [this.line("SEATS", extra, f.overagePrice, f.feature, [sub.periodStart, sub.periodEnd])];
    });
  }

  /** `quantity` seats x price x the rest of the period, exact to 10^-12 then rounded to the cent. */
  private seatProRata(sub: MSub, quantity: bigint, price: bigint, feature: string): MLine | undefined {
    const num = BigInt(Math.max(0, sub.periodEnd - this.now));
    const den = BigInt(sub.periodEnd - sub.periodStart);
    if (num === 0n || quantity === 0n || price === 0n) return undefined;
    const exact = roundDiv(times(quantity < 0n ? -quantity : quantity, price) * num, den);
    this.pricing.seatLines++;
    return {
      kind: "SEATS",
      feature,
      quantity,
      unitPrice: roundDiv(price * num, den),
      amount: cents(quantity < 0n ? -exact : exact),
      periodStart: this.now,
      periodEnd: sub.periodEnd,
    };
  }

  /** What a period cut short now gives back of the extra seats it paid for. */
  private seatCredits(c: MCustomer, plan: MPlan, sub: MSub): MLine[] {
    return plan.features.flatMap((f) => {
      if (f.kind !== "SEATS") return [];
      const paid = maxB(0n, this.peakOf(c, f.feature) - (f.included ?? 0n));
      const line = this.seatProRata(sub, -paid, f.overagePrice ?? 0n, f.feature);
      return line ? [line] : [];
    });
  }

  /**
   * The base fee of the period `sub` starts, and the coupon's DISCOUNT line after it when the
   * coupon names the plan (or none) and has a cycle left; the sub keeps what was discounted.
   */
  private baseFee(plan: MPlan, sub: MSub): MLine[] {
    const period = this.cycleOf(plan, sub);
    const fee = this.line("BASE_FEE", S, plan.basePrice, undefined, period);
    delete sub.baseDiscount;
    const held = sub.coupon;
    if (!held || plan.basePrice === 0n || (held.remaining !== undefined && held.remaining <= 0)) return [fee];
    const { coupon } = held;
    if (coupon.planCodes.length && !coupon.planCodes.includes(plan.code)) return [fee];
    const exact =
      coupon.percentOffBps !== undefined
        ? roundDiv(-plan.basePrice * BigInt(coupon.percentOffBps), 10_000n)
        : -minB(coupon.amountOff!, plan.basePrice);
    sub.baseDiscount = -exact;
    if (held.remaining !== undefined) {
      held.remaining--;
      if (held.remaining === 0) delete sub.coupon;
    }
    return [
      fee,
      {
        kind: "DISCOUNT",
        quantity: S,
        unitPrice: exact,
        amount: cents(exact),
        periodStart: period[0],
        periodEnd: period[1],
      },
    ];
  }

  /** The billing cycle holding the subscription's current (monthly) period: the period itself for a plan reset once a cycle. */
  private cycleOf(plan: MPlan, sub: MSub): [number, number] {
    const cycle = plan.cycle ?? 1;
    if (cycle === 1 || sub.trialing) return [sub.periodStart, sub.periodEnd];
    const first = Math.floor(sub.periodIndex / cycle) * cycle;
    return [addMonths(sub.anchor, first), addMonths(sub.anchor, first + cycle)];
  }

  /** Whether the subscription's period is the last of its billing cycle (a trial is a period of its own). */
  private endsCycle = (plan: MPlan, sub: MSub) => sub.trialing || (sub.periodIndex + 1) % (plan.cycle ?? 1) === 0;

  /** The part of what the period granted still unused, as [num, den]; undefined: the plan grants nothing. */
  private grantLeft(c: MCustomer, plan: MPlan): [bigint, bigint] | undefined {
    if (plan.model === "CREDITS")
      return c.planCreditsGranted > 0n ? [this.planCreditsShown(c), c.planCreditsGranted] : undefined;
    if (plan.model === "BALANCE") return plan.basePrice > 0n ? [this.allowanceShown(c), plan.basePrice] : undefined;
    let least: [bigint, bigint] | undefined;
    for (const f of plan.features) {
      if (f.kind !== "METERED" || !f.included) continue;
      const left = maxB(0n, f.included - (c.usage.get(f.feature) ?? 0n));
      if (!least || left * least[1] < least[0] * f.included) least = [left, f.included];
    }
    return least;
  }

  private proration(c: MCustomer, plan: MPlan, sub: MSub): MLine[] {
    let [num, den]: [bigint, bigint] = [
      BigInt(Math.max(0, sub.periodEnd - this.now)),
      BigInt(sub.periodEnd - sub.periodStart),
    ];
    const grant = this.grantLeft(c, plan);
    if (grant && grant[0] * den < num * grant[1]) [num, den] = grant;
    // A cycle of several periods: the periods after this one come back whole (by time), this one as above.
    const [cycleStart, cycleEnd] = this.cycleOf(plan, sub);
    if (cycleEnd - cycleStart > sub.periodEnd - sub.periodStart) {
      const period = BigInt(sub.periodEnd - sub.periodStart);
      [num, den] = [BigInt(cycleEnd - sub.periodEnd) * den + period * num, BigInt(cycleEnd - cycleStart) * den];
    }
    // A trial billed nothing; a coupon's discount was not billed either.
    const billed = plan.basePrice - (sub.baseDiscount ?? 0n);
    if (num === 0n || billed <= 0n || sub.trialing) return [];
    const credit = -billed * num;
    return [
      {
        kind: "PRORATION",
        quantity: S,
        unitPrice: roundDiv(credit, den),
        amount: roundDiv(credit, den * 10n ** 10n) * 10n ** 10n,
        periodStart: this.now,
        periodEnd: cycleEnd,
      },
    ];
  }

  private firstPeriod(plan: MPlan): MSub {
    return {
      planCode: plan.code,
      status: "ACTIVE",
      anchor: this.now,
      periodIndex: 0,
      periodStart: this.now,
      periodEnd: addMonths(this.now, 1),
      cancelAtPeriodEnd: false,
    };
  }

  // ---- operations; each returns what the API must answer ----

  setAiPrice(id: string, price: MAiPrice) {
    this.aiPrices.set(id, price);
  }

  /** What `amount` (or the call's tokens) of feature `f` costs on a BALANCE plan now. */
  private cost(f: Extract<MFeature, { kind: "METERED" }>, amount: bigint, tokens?: MTokens): bigint {
    if (f.pricing !== "AI_MODEL")
      return f.packageSize ? roundDiv(amount * f.unitPrice!, f.packageSize) : times(amount, f.unitPrice!);
    if (!tokens) throw new Error(`model: ${f.feature} is priced by AI model, the track has no tokens`);
    const price = this.aiPrices.get(tokens.model);
    if (!price) throw new Error(`model: unknown AI model ${tokens.model}`);
    return aiCost(price, tokens, f.marginBps ?? 0);
  }

  /** `trialDays`: a free trial of that many days (no invoice now; the trial end bills the first period). */
  subscribe(id: string, planCode: string, trialDays = 0): Outcome {
    const c = this.c(id);
    if (this.active(c)) return { ok: false, code: "ALREADY_EXISTS" };
    if (c.deleted) return { ok: false, code: "BAD_USER_INPUT" };
    const plan = this.plan(planCode);
    const sub = this.firstPeriod(plan);
    if (trialDays > 0) {
      sub.periodEnd = this.now + trialDays * 86_400_000;
      sub.trialing = true;
      this.openPeriod(c, plan, sub, false);
      return { ok: true };
    }
    this.openPeriod(c, plan, sub, false);
    const [start, end] = this.cycleOf(plan, sub);
    this.invoice(c, this.baseFee(plan, sub), { start, end });
    return { ok: true };
  }

  /** A coupon taken by the subscription from its next base fee on (one redemption); the same again: nothing. */
  applyCoupon(id: string, coupon: MCoupon): Outcome {
    const sub = this.active(this.c(id));
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    if (sub.coupon?.coupon.code === coupon.code) return { ok: true };
    if (coupon.maxRedemptions !== undefined && coupon.redemptions >= coupon.maxRedemptions)
      return { ok: false, code: "BAD_USER_INPUT" };
    if (coupon.planCodes.length && !coupon.planCodes.includes(sub.planCode))
      return { ok: false, code: "BAD_USER_INPUT" };
    coupon.redemptions++;
    sub.coupon = {
      coupon,
      ...(coupon.duration === "ONCE"
        ? { remaining: 1 }
        : coupon.duration === "REPEATING"
          ? { remaining: coupon.durationCycles! }
          : {}),
    };
    return { ok: true };
  }

  removeCoupon(id: string): Outcome {
    const sub = this.active(this.c(id));
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    delete sub.coupon;
    return { ok: true };
  }

  changePlan(id: string, planCode: string, timing: "IMMEDIATE" | "PERIOD_END"): Outcome {
    const c = this.c(id);
    const sub = this.active(c);
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    const plan = this.plan(planCode);
    if (timing === "PERIOD_END") {
      sub.cancelAtPeriodEnd = false;
      if (planCode === sub.planCode) delete sub.scheduledPlanCode;
      else sub.scheduledPlanCode = planCode;
      return { ok: true };
    }
    if (planCode === sub.planCode) return { ok: false, code: "BAD_USER_INPUT" };
    const current = this.subPlan(sub);
    const kept = this.keptAddOns(sub, plan);
    const next: MSub = {
      ...this.firstPeriod(plan),
      ...(sub.coupon ? { coupon: sub.coupon } : {}),
      ...(kept.length ? { addOns: kept } : {}),
    };
    const lines = [
      ...this.overageLines(c, current, [sub.periodStart, this.now]),
      ...this.proration(c, current, sub),
      ...this.seatCredits(c, current, sub),
      ...(sub.trialing ? [] : this.addOnCredits(sub)),
      ...this.baseFee(plan, next),
    ];
    this.openPeriod(c, this.subPlan(next), next);
    this.invoice(c, [...lines, ...this.seatAdvance(c, plan), ...this.addOnAdvance(next)], {
      start: sub.periodStart,
      end: this.now,
    });
    return { ok: true };
  }

  cancel(id: string, timing: "IMMEDIATE" | "PERIOD_END", prorate = false): Outcome {
    const c = this.c(id);
    const sub = this.active(c);
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    delete sub.scheduledPlanCode;
    if (timing === "PERIOD_END") {
      sub.cancelAtPeriodEnd = true;
      return { ok: true };
    }
    const current = this.subPlan(sub);
    const credit =
      prorate && !sub.trialing
        ? [...this.proration(c, current, sub), ...this.seatCredits(c, current, sub), ...this.addOnCredits(sub)]
        : prorate
          ? [...this.proration(c, current, sub), ...this.seatCredits(c, current, sub)]
          : [];
    this.invoice(c, [...this.overageLines(c, current, [sub.periodStart, this.now]), ...credit], {
      start: sub.periodStart,
      end: this.now,
    });
    const { addOns: _ended, ...rest } = sub;
    this.openPeriod(c, undefined, {
      ...rest,
      status: "CANCELED",
      cancelAtPeriodEnd: false,
      periodEnd: this.now,
      trialing: false,
    });
    return { ok: true };
  }

  /**
   * deleteCustomer: the subscription ends now like an immediate cancel without proration (the
   * usage so far invoiced, no credit); invoices, events and purchased pools stay. Deleting again
   * changes nothing. Afterwards it has no subscription (tracks, purchases: NO_SUBSCRIPTION) and
   * cannot subscribe again nor be granted account credit (BAD_USER_INPUT); its invoices can still
   * be paid or voided.
   */
  deleteCustomer(id: string): Outcome {
    const c = this.c(id);
    if (c.deleted) return { ok: true };
    if (this.active(c)) this.cancel(id, "IMMEDIATE", false);
    c.deleted = true;
    this.lifecycle.deleted++;
    return { ok: true };
  }

  /**
   * migrateSubscribers: every subscription that renews into `from` (on it and not canceling at
   * period end, or scheduled to switch to it) is changed to `to` as changePlan would with `timing`;
   * one only scheduled to switch to `from` is rescheduled to `to` at its period end. Each once.
   */
  migrate(from: string, to: string, timing: "IMMEDIATE" | "PERIOD_END"): { ok: true; moved: number } {
    let moved = 0;
    for (const c of this.customers.values()) {
      const sub = this.active(c);
      if (!sub || sub.cancelAtPeriodEnd || (sub.scheduledPlanCode ?? sub.planCode) !== from) continue;
      const outcome = this.changePlan(c.id, to, sub.planCode === from ? timing : "PERIOD_END");
      if (!outcome.ok) throw new Error(`model: migrating ${c.id} answered ${outcome.code}`);
      moved++;
    }
    this.lifecycle.migrated += moved;
    return { ok: true, moved };
  }

  /** Closes every period of every customer that has ended by now, oldest first. */
  advance(to: number) {
    if (to < this.now) throw new Error("model: the clock only moves forward");
    this.now = to;
    for (const c of this.customers.values()) {
      // Closes, grant expiries and hold expiries in time order (a grant expiring at a period's end
      // or at a hold's expiry goes first; a close and a hold at one instant commute).
      for (;;) {
        const sub = this.active(c);
        const expiry = Math.min(...c.grants.map((g) => g.expiresAt ?? Infinity));
        const due = [...c.reservations.values()].filter((h) => h.status === "HELD" && h.expiresAt <= to);
        const hold = Math.min(...due.map((h) => h.expiresAt));
        if (expiry <= this.now && (!sub || expiry <= sub.periodEnd) && expiry <= hold) {
          this.expireGrants(c, expiry);
          continue;
        }
        if (hold <= this.now && (!sub || hold <= sub.periodEnd)) {
          for (const h of due) if (h.expiresAt === hold) h.status = "EXPIRED";
          this.holdEnded(c);
          continue;
        }
        // An ended period's invoice at its grace end, before the next period ends.
        if (c.ended && c.ended.graceEnd <= this.now && (!sub || c.ended.graceEnd <= sub.periodEnd)) {
          this.issue(c, c.ended);
          continue;
        }
        if (!sub || sub.periodEnd > this.now) break;
        this.close(c, sub);
      }
    }
  }

  private close(c: MCustomer, sub: MSub) {
    // At most one period in its grace: an earlier one still waiting is invoiced first.
    if (c.ended) this.issue(c, c.ended);
    const plan = this.subPlan(sub);
    const overage = this.overageLines(c, plan, [sub.periodStart, sub.periodEnd]);
    const period = { start: sub.periodStart, end: sub.periodEnd };
    if (!this.endsCycle(plan, sub)) {
      // Inside a billing cycle: the same plan renews (a scheduled change or cancel waits), no base fee.
      const index = sub.periodIndex + 1;
      const next: MSub = {
        ...sub,
        periodIndex: index,
        periodStart: sub.periodEnd,
        periodEnd: addMonths(sub.anchor, index + 1),
      };
      // Add-ons (and extra seats) follow the resets, not the base fee (docs/pricing.md#add-ons): a
      // detached one ends here, the others renew and are billed in advance for the month this opens.
      const kept = this.keptAddOns(sub, this.plan(sub.planCode));
      if (kept.length) next.addOns = kept;
      else delete next.addOns;
      this.lifecycle.resetsInCycle++;
      if (this.graceMs > 0) {
        const ended = this.ending(c, sub, Math.min(sub.periodEnd + this.graceMs, next.periodEnd));
        this.openPeriod(c, this.subPlan(next), next);
        c.ended = { ...ended, baseFee: [...this.seatAdvance(c, plan), ...this.addOnAdvance(next)] };
        return;
      }
      this.openPeriod(c, this.subPlan(next), next);
      this.invoice(
        c,
        [...overage, ...this.seatAdvance(c, plan), ...this.addOnAdvance(next)],
        period,
        undefined,
        undefined,
        sub.periodEnd,
      );
      return;
    }
    if (sub.cancelAtPeriodEnd) {
      if (this.graceMs > 0) c.ended = this.ending(c, sub, sub.periodEnd + this.graceMs);
      else this.invoice(c, overage, period, undefined, undefined, sub.periodEnd);
      const { addOns: _ended, ...rest } = sub;
      this.openPeriod(c, undefined, { ...rest, status: "CANCELED", cancelAtPeriodEnd: false, trialing: false });
      return;
    }
    const nextPlan = this.plan(sub.scheduledPlanCode ?? sub.planCode);
    const kept = this.keptAddOns(sub, nextPlan);
    if (sub.trialing) this.trialsConverted++;
    // A trial's end, like a plan change, starts a fresh anchor; the coupon goes along.
    const next: MSub =
      nextPlan.code !== plan.code || sub.trialing
        ? {
            ...(sub.coupon ? { coupon: sub.coupon } : {}),
            planCode: nextPlan.code,
            status: "ACTIVE",
            anchor: sub.periodEnd,
            periodIndex: 0,
            periodStart: sub.periodEnd,
            periodEnd: addMonths(sub.periodEnd, 1),
            cancelAtPeriodEnd: false,
          }
        : {
            ...sub,
            periodIndex: sub.periodIndex + 1,
            periodStart: sub.periodEnd,
            periodEnd: addMonths(sub.anchor, sub.periodIndex + 2),
          };
    if (kept.length) next.addOns = kept;
    else delete next.addOns;
    const fee = this.baseFee(nextPlan, next);
    if (this.graceMs > 0) {
      const ended = this.ending(c, sub, Math.min(sub.periodEnd + this.graceMs, next.periodEnd));
      this.openPeriod(c, this.subPlan(next), next);
      // The renewal's invoice waits for the grace end: the base fee, the new period's extra seats and add-ons.
      c.ended = { ...ended, baseFee: [...fee, ...this.seatAdvance(c, nextPlan), ...this.addOnAdvance(next)] };
      return;
    }
    this.openPeriod(c, this.subPlan(next), next);
    // The renewal bills the extra seats and add-ons of the period it opens, in advance, after the base fee.
    this.invoice(
      c,
      [...overage, ...fee, ...this.seatAdvance(c, nextPlan), ...this.addOnAdvance(next)],
      period,
      undefined,
      undefined,
      sub.periodEnd,
    );
  }

  /** The period `sub` as it ends (before the next one opens), kept for late events until `graceEnd`. */
  private ending(c: MCustomer, sub: MSub, graceEnd: number): MEnded {
    return {
      planCode: sub.planCode,
      periodStart: sub.periodStart,
      periodEnd: sub.periodEnd,
      graceEnd,
      usage: new Map(c.usage),
      planCreditsLeft: this.planCreditsShown(c),
      allowanceLeft: c.allowanceLeft,
      topUpsLeft: minB(0n, c.topUpsLeft),
      overage: c.overage,
      spent: c.spent,
      trialing: sub.trialing === true,
      levels: new Map(c.levels),
      peaks: new Map(c.peaks),
      ...(sub.addOns?.length ? { addOns: sub.addOns } : {}),
    };
  }

  /** The ended period as a customer of its own, for its overage lines and its refusals. */
  private endedAsCustomer = (c: MCustomer, e: MEnded): MCustomer => ({
    ...c,
    usage: e.usage,
    planCreditsLeft: e.planCreditsLeft,
    packCredits: 0n,
    grants: [],
    allowanceLeft: e.allowanceLeft,
    topUpsLeft: e.topUpsLeft,
    overage: e.overage,
    spent: e.spent,
    levels: e.levels,
    peaks: e.peaks,
  });

  /** The closing invoice of an ended period at its grace end: its overage, late usage included, and the base fee. */
  private issue(c: MCustomer, e: MEnded) {
    const lines = this.overageLines(this.endedAsCustomer(c, e), this.subPlan(e), [e.periodStart, e.periodEnd]);
    this.invoice(
      c,
      [...lines, ...(e.baseFee ?? [])],
      { start: e.periodStart, end: e.periodEnd },
      undefined,
      undefined,
      e.periodEnd,
    );
    delete c.ended;
    this.late.issued++;
  }

  /** A track stamped in the ended period while its grace lasts (see the rules above). */
  private lateTrack(
    c: MCustomer,
    e: MEnded,
    t: TrackArgs,
    payload: string,
    counted: "booked" | "corrected" = "booked",
  ): Outcome {
    const plan = this.subPlan(e);
    const f = plan.features.find((x) => x.feature === t.feature);
    if (!f) return { ok: false, code: "FEATURE_NOT_IN_PLAN" };
    if (f.kind !== "METERED") return { ok: false, code: "BAD_USER_INPUT" };
    const as = this.endedAsCustomer(c, e);
    const used = e.usage.get(t.feature) ?? 0n;
    if (plan.model === "METERED" && f.limit !== undefined && used + t.value > f.limit)
      return { ok: false, code: "LIMIT_REACHED" };
    const burn = plan.model === "CREDITS" ? times(t.value, f.creditsPerUnit!) : 0n;
    if (plan.model === "CREDITS" && e.planCreditsLeft < burn) return { ok: false, code: "INSUFFICIENT_CREDITS" };
    const cost = plan.model === "BALANCE" ? this.cost(f, t.value, t.tokens) : 0n;
    if (plan.model === "BALANCE" && plan.blockOnExhaustion && this.balance(as) < cost)
      return { ok: false, code: "INSUFFICIENT_BALANCE" };
    // A free trial allows no overage, late or not.
    if (e.trialing && plan.model === "METERED" && used + t.value > (f.included ?? 0n))
      return { ok: false, code: "LIMIT_REACHED" };
    if (e.trialing && plan.model === "BALANCE") {
      const needed = f.pricing === "AI_MODEL" && !t.tokens ? 1n : cost;
      if (this.balance(as) < needed) return { ok: false, code: "INSUFFICIENT_BALANCE" };
    }
    const bounds = this.beyondBounds(as, plan, f, t.value, t.tokens);
    if (bounds) return { ok: false, code: bounds };
    const event: MEvent = { key: t.key, payload, feature: t.feature, value: t.value, periodStart: e.periodStart };
    e.usage.set(t.feature, used + t.value);
    if (plan.model === "CREDITS") {
      e.planCreditsLeft -= burn;
      event.credits = burn;
    }
    if (plan.model === "BALANCE") {
      e.spent += cost;
      const fromAllowance = minB(cost, e.allowanceLeft);
      e.allowanceLeft -= fromAllowance;
      e.overage += cost - fromAllowance;
      event.cost = cost;
    }
    c.events.set(t.key, event);
    this.late[counted]++;
    return { ok: true, replayed: false, ...(event.cost !== undefined ? { cost: event.cost } : {}) };
  }

  /** Would `amount` of `feature` be accepted now? The refusal code, or null. */
  refusal(c: MCustomer, feature: string, amount: bigint, timestamp?: number, tokens?: MTokens): string | null {
    const sub = this.active(c);
    if (!sub) return "NO_SUBSCRIPTION";
    const plan = this.subPlan(sub);
    const f = plan.features.find((x) => x.feature === feature);
    if (!f) return "FEATURE_NOT_IN_PLAN";
    if (f.kind !== "METERED") return "BAD_USER_INPUT"; // BOOLEAN, or a level (setSeats, adjustQuota)
    if (timestamp !== undefined && timestamp < sub.periodStart) return "PERIOD_CLOSED";
    const committed = (c.usage.get(feature) ?? 0n) + this.heldUsage(c, feature);
    if (plan.model === "METERED" && f.limit !== undefined && committed + amount > f.limit) return "LIMIT_REACHED";
    if (plan.model === "CREDITS" && this.creditsAvailable(c) < times(amount, f.creditsPerUnit!))
      return "INSUFFICIENT_CREDITS";
    if (plan.model === "BALANCE" && plan.blockOnExhaustion && this.balanceAvailable(c) < this.cost(f, amount, tokens))
      return "INSUFFICIENT_BALANCE";
    // A free trial allows no overage: nothing beyond the included units, no spend beyond the balance.
    // Held units count, as for a hard limit (the stored counter holds them); held money counts, as
    // on a blocking plan (the stored balance is what the holds leave).
    if (sub.trialing && plan.model === "METERED" && committed + amount > (f.included ?? 0n)) return "LIMIT_REACHED";
    if (sub.trialing && plan.model === "BALANCE") {
      const needed = f.pricing === "AI_MODEL" && !tokens ? 1n : this.cost(f, amount, tokens);
      if (this.balanceAvailable(c) < needed) return "INSUFFICIENT_BALANCE";
    }
    return this.beyondBounds(c, plan, f, amount, tokens);
  }

  /** LIMIT_REACHED when the usage would take a running sum of this period past MAX_SUM. */
  private beyondBounds(
    c: MCustomer,
    plan: MPlan,
    f: Extract<MFeature, { kind: "METERED" }>,
    amount: bigint,
    tokens?: MTokens,
  ): string | null {
    // The stored counter holds held units too: the ceiling counts them.
    const used = (c.usage.get(f.feature) ?? 0n) + this.heldUsage(c, f.feature) + amount;
    if (used > MAX_SUM) return "LIMIT_REACHED";
    const over = maxB(0n, used - (f.included ?? 0n));
    if (plan.model === "METERED" && f.packageSize) {
      // Whole packages at the package price, within MAX_SUM.
      if (((over + f.packageSize - 1n) / f.packageSize) * (f.overagePrice ?? 0n) > MAX_SUM) return "LIMIT_REACHED";
    } else {
      const tierTop = (f.tiers ?? []).reduce((top, t) => maxB(top, t.unitPrice), 0n);
      const overPrice = plan.model === "METERED" ? (f.tiers ? tierTop : (f.overagePrice ?? 0n)) : 0n;
      // The overage in money, exactly (before any rounding), within MAX_SUM too.
      if (over * overPrice > MAX_SUM * S) return "LIMIT_REACHED";
    }
    if (
      plan.model === "BALANCE" &&
      (tokens || f.pricing !== "AI_MODEL") &&
      c.spent + this.cost(f, amount, tokens) > MAX_SUM
    )
      return "LIMIT_REACHED";
    return null;
  }

  /** BAD_USER_INPUT for one event's value beyond the bound, whatever the customer (checked before anything else). */
  valueRefusal = (value: bigint): string | null => (value > MAX_EVENT_VALUE ? "BAD_USER_INPUT" : null);

  /** A timestamp's text is a real calendar instant: read back from its own fields, nothing moved. */
  static isRealInstant(text: string): boolean {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/.exec(text);
    if (!m) return false;
    const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
    return (
      t.getUTCFullYear() === y &&
      t.getUTCMonth() === mo - 1 &&
      t.getUTCDate() === d &&
      t.getUTCHours() === h &&
      t.getUTCMinutes() === mi &&
      t.getUTCSeconds() === sec
    );
  }

  /** The entitlement check: allowed or the reason (BOOLEAN features are allowed, never tracked). */
  entitlement(id: string, feature: string, amount: bigint): { allowed: boolean; reason?: string } {
    const c = this.c(id);
    const sub = this.active(c);
    const f = sub && this.subPlan(sub).features.find((x) => x.feature === feature);
    if (f?.kind === "BOOLEAN") return { allowed: true };
    const reason = this.refusal(c, feature, amount);
    return reason ? { allowed: false, reason } : { allowed: true };
  }

  track(t: TrackArgs, payload: string): Outcome {
    const c = this.c(t.customerId);
    const invalid = this.valueRefusal(t.value);
    if (invalid) return { ok: false, code: invalid };
    const seen = c.events.get(t.key);
    if (seen)
      return seen.payload === payload
        ? { ok: true, replayed: true, ...(seen.cost !== undefined ? { cost: seen.cost } : {}) }
        : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const e = c.ended;
    if (
      e &&
      t.timestamp !== undefined &&
      t.timestamp >= e.periodStart &&
      t.timestamp < e.periodEnd &&
      this.now < e.graceEnd
    )
      return this.lateTrack(c, e, t, payload);
    const reason = this.refusal(c, t.feature, t.value, t.timestamp, t.tokens);
    if (reason) return { ok: false, code: reason };
    const sub = this.active(c)!;
    const plan = this.subPlan(sub);
    const f = plan.features.find((x) => x.feature === t.feature) as Extract<MFeature, { kind: "METERED" }>;
    const thresholds = this.thresholds(c, plan, sub);
    const before = thresholds.map((th) => th.level(c));
    const event = this.record(c, t, payload, {
      ...(plan.model === "CREDITS" ? { credits: times(t.value, f.creditsPerUnit!) } : {}),
      ...(plan.model === "BALANCE" ? { cost: this.cost(f, t.value, t.tokens) } : {}),
    });
    this.fire(c, thresholds, before);
    return { ok: true, replayed: false, ...(event.cost !== undefined ? { cost: event.cost } : {}) };
  }

  /** An accepted usage of `t.value` units charged `charge`: the event, and what it takes from the pools. */
  private record(
    c: MCustomer,
    t: TrackArgs,
    payload: string,
    charge: { credits?: bigint; cost?: bigint },
    /** Credits of the charge paid by what holds keep of expired grants: taken from no pool. */
    fromExpired = 0n,
    /** The units the period's usage counts (a settle capped in a METERED trial: fewer than the event's). */
    counted = t.value,
  ): MEvent {
    const sub = this.active(c)!;
    const event: MEvent = { key: t.key, payload, feature: t.feature, value: t.value, periodStart: sub.periodStart };
    c.usage.set(t.feature, (c.usage.get(t.feature) ?? 0n) + counted);
    if (charge.credits !== undefined) {
      const burn = charge.credits;
      let rest = burn - fromExpired;
      const fromPlan = minB(rest, c.planCreditsLeft);
      c.planCreditsLeft -= fromPlan;
      rest -= fromPlan;
      for (const g of this.spendingOrder(c)) {
        const take = minB(rest, g.left);
        g.left -= take;
        rest -= take;
      }
      c.grants = c.grants.filter((g) => g.left > 0n);
      c.packCredits -= rest;
      event.credits = burn;
    }
    if (charge.cost !== undefined) {
      const cost = charge.cost;
      c.spent += cost;
      const fromAllowance = minB(cost, c.allowanceLeft);
      c.allowanceLeft -= fromAllowance;
      const fromTopUps = minB(cost - fromAllowance, maxB(0n, c.topUpsLeft));
      c.topUpsLeft -= fromTopUps;
      c.overage += cost - fromAllowance - fromTopUps;
      event.cost = cost;
    }
    c.events.set(t.key, event);
    return event;
  }

  /** reserveUsage: priced like a track now, held apart from the pools; the same key replays. */
  reserve(t: TrackArgs, payload: string, ttlMs: number): Outcome {
    const c = this.c(t.customerId);
    const invalid = this.valueRefusal(t.value);
    if (invalid) return { ok: false, code: invalid };
    const seen = c.reservations.get(t.key);
    if (seen) return seen.payload === payload ? { ok: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const reason = this.refusal(c, t.feature, t.value, undefined, t.tokens);
    if (reason) return { ok: false, code: reason };
    const sub = this.active(c)!;
    const plan = this.subPlan(sub);
    const f = plan.features.find((x) => x.feature === t.feature) as Extract<MFeature, { kind: "METERED" }>;
    // A hold reaches thresholds like usage: they watch the counters as stored, holds included.
    const thresholds = this.thresholds(c, plan, sub);
    const before = thresholds.map((th) => th.level(c));
    c.reservations.set(t.key, {
      key: t.key,
      payload,
      feature: t.feature,
      quantity: t.value,
      credits: plan.model === "CREDITS" ? times(t.value, f.creditsPerUnit!) : 0n,
      amount: plan.model === "BALANCE" ? this.cost(f, t.value, t.tokens) : 0n,
      expiresAt: this.now + ttlMs,
      status: "HELD",
    });
    this.fire(c, thresholds, before);
    return { ok: true };
  }

  /**
   * settleReservation: the actual usage priced like a track now and recorded under the
   * reservation's key; where the plan blocks, at most the hold plus what is available is charged.
   * In a free trial every plan blocks: BALANCE at a zero balance, METERED at included (the event
   * keeps the actual units, the period's usage counts only those).
   */
  settle(t: TrackArgs, payload: string): Outcome {
    const c = this.c(t.customerId);
    const h = c.reservations.get(t.key);
    if (!h) return { ok: false, code: "NOT_FOUND" };
    if (h.status === "SETTLED")
      return h.settlePayload === payload
        ? { ok: true, replayed: true, ...h.settled! }
        : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    if (h.status === "RELEASED") return { ok: false, code: "RESERVATION_RELEASED" };
    const sub = this.active(c);
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    const plan = this.subPlan(sub);
    const f = plan.features.find((x) => x.feature === h.feature);
    if (!f) return { ok: false, code: "FEATURE_NOT_IN_PLAN" };
    if (f.kind !== "METERED") return { ok: false, code: "BAD_USER_INPUT" };
    const heldCredits = h.status === "HELD" ? h.credits : 0n;
    const heldAmount = h.status === "HELD" ? h.amount : 0n;
    let charge: { credits?: bigint; cost?: bigint } = {};
    let capped = false;
    // A free trial bills no overage: every model caps a settle at what the trial's grant has left.
    const trial = sub.trialing === true;
    if (trial) this.holdCoverage.settledInTrial++;
    let counted = t.value;
    if (plan.model === "METERED" && trial) {
      const heldUnits = h.status === "HELD" ? h.quantity : 0n;
      const committed = (c.usage.get(h.feature) ?? 0n) + this.heldUsage(c, h.feature);
      counted = minB(t.value, heldUnits + maxB(0n, (f.included ?? 0n) - committed));
      capped = counted < t.value;
    }
    if (plan.model === "CREDITS") {
      const burn = times(t.value, f.creditsPerUnit!);
      const credits = minB(burn, heldCredits + maxB(0n, this.creditsAvailable(c)));
      [charge, capped] = [{ credits }, credits < burn];
    }
    if (plan.model === "BALANCE") {
      const cost = this.cost(f, t.value, t.tokens);
      const blocks = plan.blockOnExhaustion || trial;
      const charged = blocks ? minB(cost, heldAmount + maxB(0n, this.balanceAvailable(c))) : cost;
      [charge, capped] = [{ cost: charged }, charged < cost];
    }
    // Thresholds like a track's, from the levels with the hold still there (the charge less the hold).
    const thresholds = this.thresholds(c, plan, sub);
    const before = thresholds.map((th) => th.level(c));
    // What the holds keep of expired grants pays first, up to the hold (then what is left of it
    // beyond the holds still open goes to nobody).
    const fromExpired = minB(c.heldExpired, minB(heldCredits, charge.credits ?? 0n));
    h.status = "SETTLED";
    h.settlePayload = payload;
    const event = this.record(c, t, `settle:${payload}`, charge, fromExpired, counted);
    c.heldExpired -= fromExpired;
    this.holdEnded(c);
    this.fire(c, thresholds, before);
    h.settled = { ...(event.cost !== undefined ? { cost: event.cost } : {}), capped };
    return { ok: true, replayed: false, ...h.settled };
  }

  /** releaseReservation: a held reservation gives its hold back; any other is answered as it is. */
  release(id: string, key: string): Outcome {
    const c = this.c(id);
    const h = c.reservations.get(key);
    if (!h) return { ok: false, code: "NOT_FOUND" };
    if (h.status === "HELD") h.status = "RELEASED";
    this.holdEnded(c);
    return { ok: true };
  }

  /** grantCredits: free credits on a CREDITS plan, expiring at `expiresAt` (ms) or never. */
  grantCredits(id: string, credits: bigint, key: string, expiresAt?: number): Outcome {
    const c = this.c(id);
    const what = `${credits}|${expiresAt ?? "-"}`;
    const seen = c.grantRequests.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const refused = this.unsellable(c, "CREDITS");
    if (refused) return refused;
    if (expiresAt !== undefined && expiresAt <= this.now) return { ok: false, code: "BAD_USER_INPUT" };
    c.grantRequests.set(key, what);
    c.grants.push({ key, left: credits, ...(expiresAt !== undefined ? { expiresAt } : {}) });
    // A grant raises what credits.low is a share of, like a pack: it re-arms it.
    c.grantBasis += credits;
    this.pricing.grants++;
    return { ok: true, replayed: false };
  }

  /**
   * adjustUsage: an increase is accepted and charged as a track of `delta` units would be; a
   * decrease (only asked of METERED plans here) takes usage back, never below zero. `timestamp`
   * in an ended period still in its grace corrects that period (`lateAdjust`); before the current
   * period otherwise: PERIOD_CLOSED, after the checks of the feature.
   */
  adjust(id: string, feature: string, delta: bigint, key: string, payload: string, timestamp?: number): Outcome {
    const c = this.c(id);
    const seen = c.events.get(key);
    if (seen)
      return seen.payload === payload ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const e = c.ended;
    if (timestamp !== undefined && e && timestamp >= e.periodStart && timestamp < e.periodEnd && this.now < e.graceEnd)
      return this.lateAdjust(c, e, feature, delta, key, payload);
    const outcome = this.adjustNow(c, feature, delta, key, payload, timestamp);
    if (!outcome.ok && outcome.code === "PERIOD_CLOSED") this.late.correctionsClosed++;
    return outcome;
  }

  private adjustNow(
    c: MCustomer,
    feature: string,
    delta: bigint,
    key: string,
    payload: string,
    timestamp?: number,
  ): Outcome {
    const sub = this.active(c);
    const f = sub && this.subPlan(sub).features.find((x) => x.feature === feature);
    if (f?.kind === "METERED" && f.pricing === "AI_MODEL") return { ok: false, code: "BAD_USER_INPUT" };
    if (delta > 0n) {
      const outcome = this.track(
        { customerId: c.id, feature, key, value: delta, ...(timestamp !== undefined ? { timestamp } : {}) },
        payload,
      );
      if (outcome.ok) this.pricing.adjustments++;
      return outcome.ok ? { ok: true, replayed: false } : outcome;
    }
    const reason = this.refusal(c, feature, 0n, timestamp);
    if (reason && reason !== "LIMIT_REACHED") return { ok: false, code: reason };
    const used = c.usage.get(feature) ?? 0n;
    if (used + delta < 0n) return { ok: false, code: "BAD_USER_INPUT" };
    if (this.plan(sub!.planCode).model !== "METERED")
      throw new Error("model: decreases are asked of METERED plans only");
    c.usage.set(feature, used + delta);
    c.events.set(key, { key, payload, feature, value: delta, periodStart: sub!.periodStart });
    this.pricing.adjustments++;
    return { ok: true, replayed: false };
  }

  /**
   * A correction of the ended period in its grace: priced on its plan (with its add-ons) against
   * its own counters, like a late track; an increase is one (refused where it would be), a
   * decrease (METERED here) takes its usage back, never below zero.
   */
  private lateAdjust(c: MCustomer, e: MEnded, feature: string, delta: bigint, key: string, payload: string): Outcome {
    const f = this.subPlan(e).features.find((x) => x.feature === feature);
    if (!f) return { ok: false, code: "FEATURE_NOT_IN_PLAN" };
    if (f.kind !== "METERED" || f.pricing === "AI_MODEL") return { ok: false, code: "BAD_USER_INPUT" };
    if (delta > 0n) {
      const outcome = this.lateTrack(c, e, { customerId: c.id, feature, key, value: delta }, payload, "corrected");
      return outcome.ok ? { ok: true, replayed: false } : outcome;
    }
    if (this.plan(e.planCode).model !== "METERED") throw new Error("model: decreases are asked of METERED plans only");
    const used = e.usage.get(feature) ?? 0n;
    if (used + delta < 0n) return { ok: false, code: "BAD_USER_INPUT" };
    e.usage.set(feature, used + delta);
    c.events.set(key, { key, payload, feature, value: delta, periodStart: e.periodStart });
    this.late.corrected++;
    return { ok: true, replayed: false };
  }

  /**
   * setSeats (`count`) and adjustQuota (`delta`): the level of a SEATS or QUOTA feature. Seats
   * beyond what the period paid for (its peak, at least included) are invoiced at once, pro rata.
   */
  setLevel(id: string, feature: string, op: "seats" | "quota", amount: bigint, key: string, payload: string): Outcome {
    const c = this.c(id);
    if (op === "seats" ? amount < 0n || amount % S !== 0n : amount === 0n) return { ok: false, code: "BAD_USER_INPUT" };
    const seen = c.events.get(key);
    if (seen)
      return seen.payload === payload ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const sub = this.active(c);
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    const f = this.plan(sub.planCode).features.find((x) => x.feature === feature);
    if (!f) return { ok: false, code: "FEATURE_NOT_IN_PLAN" };
    if (f.kind !== (op === "seats" ? "SEATS" : "QUOTA")) return { ok: false, code: "BAD_USER_INPUT" };
    const before = this.levelOf(c, feature);
    const level = op === "seats" ? amount : before + amount;
    if (level < 0n) return { ok: false, code: "BAD_USER_INPUT" };
    if (f.limit !== undefined && level > f.limit && level > before) return { ok: false, code: "LIMIT_REACHED" };
    // A trial allows no overage: no seats or quota beyond included.
    if (sub.trialing && level > (f.included ?? 0n) && level > before) return { ok: false, code: "LIMIT_REACHED" };
    if (f.kind === "SEATS") {
      const above = (n: bigint) => maxB(0n, n - (f.included ?? 0n));
      const added = above(level) - above(this.peakOf(c, feature));
      const line = added > 0n ? this.seatProRata(sub, added, f.overagePrice ?? 0n, feature) : undefined;
      if (line) this.invoice(c, [line], { start: this.now, end: sub.periodEnd });
    }
    c.peaks.set(feature, maxB(this.peakOf(c, feature), level));
    c.levels.set(feature, level);
    c.events.set(key, { key, payload, feature, value: level - before, periodStart: sub.periodStart });
    return { ok: true, replayed: false };
  }

  /**
   * attachAddOn: its price pro rata for the rest of the period at once (an invoice of its own, which
   * takes account credit), its grant from now (included units, through subPlan); an add-on attached
   * again while detaching stays (same quantity), nothing billed.
   */
  attachAddOn(
    id: string,
    addOn: Omit<MAddOn, "quantity" | "attachedAt" | "detaching">,
    quantity: number,
    key: string,
  ): Outcome {
    const c = this.c(id);
    const what = `${addOn.code}|${quantity}`;
    const seen = c.addOnKeys.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const sub = this.active(c);
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    if (sub.trialing) return { ok: false, code: "BAD_USER_INPUT" };
    const plan = this.plan(sub.planCode);
    if (addOn.grants !== undefined && !plan.features.some((f) => f.feature === addOn.feature && f.kind === "METERED"))
      return { ok: false, code: "FEATURE_NOT_IN_PLAN" };
    const existing = sub.addOns?.find((a) => a.code === addOn.code);
    if (existing && !existing.detaching) return { ok: false, code: "ALREADY_EXISTS" };
    if (existing && existing.quantity !== quantity) return { ok: false, code: "BAD_USER_INPUT" };
    c.addOnKeys.set(key, what);
    if (existing) {
      delete existing.detaching;
      return { ok: true, replayed: false };
    }
    const attached: MAddOn = { ...addOn, quantity, attachedAt: this.now };
    sub.addOns = [...(sub.addOns ?? []), attached].sort(byAttachment);
    const line = this.addOnProRata(sub, attached, 1n);
    if (line) this.invoice(c, [line], { start: this.now, end: sub.periodEnd });
    return { ok: true, replayed: false };
  }

  /** detachAddOn: it ends with the period (nothing given back); again: no-op. */
  detachAddOn(id: string, code: string): Outcome {
    const sub = this.active(this.c(id));
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    const a = sub.addOns?.find((x) => x.code === code);
    if (!a) return { ok: false, code: "NOT_FOUND" };
    a.detaching = true;
    return { ok: true };
  }

  /** Only a plan that can spend it sells a purchase; a retry of an earlier one still replays. */
  private unsellable(c: MCustomer, model: Model): Outcome | undefined {
    const sub = this.active(c);
    if (!sub) return { ok: false, code: "NO_SUBSCRIPTION" };
    return this.plan(sub.planCode).model === model ? undefined : { ok: false, code: "BAD_USER_INPUT" };
  }

  /**
   * Account credit granted under `key` (idempotent): whole cents, in the plan's currency, so only to
   * a customer that has had a plan and is not deleted; an expiry in the past is refused.
   */
  grantAccountCredit(id: string, amount: bigint, key: string, expiresAt?: number): Outcome {
    const c = this.c(id);
    const what = `${amount}|${expiresAt ?? "-"}`;
    const seen = c.grantKeys.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    // No plan yet (no currency), a deleted customer (it could never be used), or an expiry in the past.
    if (!c.sub || c.deleted || (expiresAt !== undefined && expiresAt <= this.now))
      return { ok: false, code: "BAD_USER_INPUT" };
    c.grantKeys.set(key, what);
    c.creditGrants.push({ remaining: amount, expiresAt: expiresAt ?? Number.POSITIVE_INFINITY });
    return { ok: true, replayed: false };
  }

  purchasePack(id: string, packCode: string, key: string): Outcome {
    const c = this.c(id);
    const what = `PACK:${packCode}`;
    const seen = c.purchases.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const refused = this.unsellable(c, "CREDITS");
    if (refused) return refused;
    const pack = this.packs.get(packCode)!;
    c.purchases.set(key, what);
    c.packCredits += pack.credits;
    c.packBasis += pack.credits;
    this.invoice(c, [this.line("CREDIT_PACK", S, pack.price)], undefined, { kind: "CREDIT_PACK", value: pack.credits });
    return { ok: true, replayed: false };
  }

  topUp(id: string, amount: bigint, key: string): Outcome {
    if (amount > MAX_TOP_UP) return { ok: false, code: "BAD_USER_INPUT" };
    const c = this.c(id);
    const what = `TOPUP:${amount}`;
    const seen = c.purchases.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const refused = this.unsellable(c, "BALANCE");
    if (refused) return refused;
    c.purchases.set(key, what);
    this.grantTopUp(c, amount);
    this.invoice(c, [this.line("TOP_UP", S, amount)], undefined, { kind: "TOP_UP", value: amount });
    return { ok: true, replayed: false };
  }

  /** Funds arriving: they pay down overage already run up this period first, the rest stays as a top-up. */
  private grantTopUp(c: MCustomer, amount: bigint) {
    c.topUpBasis += amount;
    const paysOverage = minB(c.overage, amount);
    c.overage -= paysOverage;
    c.topUpsLeft += amount - paysOverage;
  }

  /** requestCreditPackPurchase: an OPEN invoice for the pack; nothing granted yet. */
  requestPack(id: string, packCode: string, key: string): Outcome {
    const c = this.c(id);
    const what = `REQUEST:PACK:${packCode}`;
    const seen = c.purchases.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const refused = this.unsellable(c, "CREDITS");
    if (refused) return refused;
    const pack = this.packs.get(packCode)!;
    c.purchases.set(key, what);
    this.invoice(c, [this.line("CREDIT_PACK", S, pack.price)], undefined, undefined, {
      kind: "CREDIT_PACK",
      value: pack.credits,
    });
    return { ok: true, replayed: false };
  }

  /** requestTopUp: 5 to 10,000 (refused before anything else), then as a top-up, granted on payment. */
  requestTopUp(id: string, amount: bigint, key: string): Outcome {
    if (amount < MIN_TOP_UP_REQUEST || amount > MAX_TOP_UP_REQUEST) return { ok: false, code: "BAD_USER_INPUT" };
    const c = this.c(id);
    const what = `REQUEST:TOPUP:${amount}`;
    const seen = c.purchases.get(key);
    if (seen) return seen === what ? { ok: true, replayed: true } : { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
    const refused = this.unsellable(c, "BALANCE");
    if (refused) return refused;
    c.purchases.set(key, what);
    this.invoice(c, [this.line("TOP_UP", S, amount)], undefined, undefined, { kind: "TOP_UP", value: amount });
    return { ok: true, replayed: false };
  }

  /** The customer's newest OPEN purchase request, which a `pay` pays; undefined when none. */
  payTarget(id: string): MInvoice | undefined {
    return this.invoices.filter((i) => i.customerId === id && i.pending && i.status === "OPEN").at(-1);
  }

  /** markInvoicePaid of a purchase request: its credits or funds arrive now, whatever the plan is now. */
  pay(invoice: MInvoice): Outcome {
    if (invoice.status === "PAID") return { ok: true };
    if (invoice.status === "VOID") return { ok: false, code: "BAD_USER_INPUT" };
    invoice.status = "PAID";
    const grant = invoice.pending;
    if (!grant) return { ok: true };
    const c = this.c(invoice.customerId);
    if (grant.kind === "CREDIT_PACK") {
      c.packCredits += grant.value;
      c.packBasis += grant.value;
    } else this.grantTopUp(c, grant.value);
    invoice.grant = grant;
    return { ok: true };
  }

  /**
   * The invoice a void of customer `id` aims at: its newest OPEN pack or top-up invoice
   * (`purchase`), its newest invoice of any kind and status (`any`), or its newest OPEN invoice
   * that applied account credit (`credit`); undefined when none.
   */
  voidTarget(id: string, which: "purchase" | "any" | "credit"): MInvoice | undefined {
    const mine = this.invoices.filter((i) => i.customerId === id);
    if (which === "any") return mine.at(-1);
    if (which === "credit")
      return mine.filter((i) => i.status === "OPEN" && i.lines.some((l) => l.kind === "ACCOUNT_CREDIT")).at(-1);
    return mine.filter((i) => (i.grant || i.pending) && i.status === "OPEN").at(-1);
  }

  /**
   * Voids `invoice`: all its grant leaves the wallet, the part spent becomes a debt; the account
   * credit it applied (its ACCOUNT_CREDIT line) comes back whole as a new grant that never expires.
   */
  voidInvoice(invoice: MInvoice): Outcome {
    const returned = () => invoice.creditReturned ?? null;
    if (invoice.status === "VOID") return { ok: true, reversal: invoice.reversal ?? null, creditReturned: returned() };
    if (invoice.status === "PAID") return { ok: false, code: "BAD_USER_INPUT" };
    invoice.status = "VOID";
    const applied = -invoice.lines.filter((l) => l.kind === "ACCOUNT_CREDIT").reduce((s, l) => s + l.amount, 0n);
    if (applied > 0n) {
      invoice.creditReturned = applied;
      this.c(invoice.customerId).creditGrants.push({ remaining: applied, expiresAt: Number.POSITIVE_INFINITY });
    }
    const grant = invoice.grant;
    if (!grant) return { ok: true, reversal: null, creditReturned: returned() };
    const c = this.c(invoice.customerId);
    const pool = grant.kind === "CREDIT_PACK" ? c.packCredits : c.topUpsLeft;
    const unspent = minB(grant.value, maxB(0n, pool));
    if (grant.kind === "CREDIT_PACK") c.packCredits -= grant.value;
    else c.topUpsLeft -= grant.value;
    if (grant.kind === "CREDIT_PACK") c.packBasis -= grant.value;
    else c.topUpBasis -= grant.value;
    invoice.reversal = { granted: grant.value, unspent, spent: grant.value - unspent };
    return { ok: true, reversal: invoice.reversal, creditReturned: returned() };
  }

  /** The ids of the threshold events the tracks so far must have published, in order. */
  readonly fired: string[] = [];

  addAlert(id: string, alert: MAlert) {
    this.c(id).alerts.push(alert);
  }

  /** Whether tracking `t` now would fire a threshold (without tracking it). */
  firesThreshold(t: TrackArgs): boolean {
    const c = this.c(t.customerId);
    const sub = this.active(c);
    if (!sub) return false;
    const plan = this.subPlan(sub);
    const f = plan.features.find((x) => x.feature === t.feature);
    if (!f || f.kind === "BOOLEAN") return false;
    const after: MCustomer = {
      ...c,
      usage: new Map(c.usage),
      alarms: new Map(c.alarms),
      lowFirings: new Map(c.lowFirings),
      alerts: [],
      grants: c.grants.map((g) => ({ ...g })),
    };
    const copy = new BillingModel(this.plans, this.packs, this.now);
    copy.aiPrices.clear();
    for (const [k, v] of this.aiPrices) copy.aiPrices.set(k, v);
    copy.customers.set(c.id, { ...after, alerts: c.alerts.map((a) => ({ ...a })), events: new Map(c.events) });
    copy.track(t, "probe");
    return copy.fired.length > 0;
  }

  /** The thresholds of `c` in its current period: the plan's built-in ones, then its alerts. */
  private thresholds(c: MCustomer, plan: MPlan, sub: MSub): MThreshold[] {
    const ps = new Date(sub.periodStart).toISOString();
    const out: MThreshold[] = [];
    // The levels as the wallet stores them: held units in the usage counter, holds out of the funds.
    const usage = (feature: string) => (x: MCustomer) => (x.usage.get(feature) ?? 0n) + this.heldUsage(x, feature);
    if (plan.model === "METERED")
      for (const f of plan.features) {
        if (f.kind !== "METERED" || !f.included) continue;
        for (const percent of [80n, 100n]) {
          out.push({
            marker: `usage:${f.feature}:${percent}`,
            level: usage(f.feature),
            up: true,
            at: (f.included * percent + 99n) / 100n,
            armedAs: ps,
            family: `usage:${f.feature}`,
            rank: Number(percent),
            eventId: () => `usage.threshold_reached:${c.id}:${f.feature}:${ps}:${percent}`,
          });
        }
      }
    const creditsBasis = maxB(0n, c.planCreditsGranted + c.packBasis + c.grantBasis);
    const moneyBasis = maxB(0n, (plan.model === "BALANCE" ? plan.basePrice : 0n) + c.topUpBasis);
    const low = (kind: "credits" | "balance", basis: bigint, level: (x: MCustomer) => bigint) =>
      basis > 0n &&
      out.push({
        marker: `${kind}.low`,
        level,
        up: false,
        at: basis / 10n,
        armedAs: `${ps}#${basis}`,
        family: `${kind}.low`,
        rank: 0,
        // A void can bring the basis back to one that fired this period: from the second firing in
        // a period on, the id carries its ordinal, so no id is published for two firings.
        eventId: () => {
          const n = (c.lowFirings.get(`${kind}.low#${ps}`) ?? 0) + 1;
          c.lowFirings.set(`${kind}.low#${ps}`, n);
          return `${kind}.low:${c.id}:${ps}:${decimal(basis)}${n > 1 ? `:${n}` : ""}`;
        },
      });
    if (plan.model === "CREDITS") low("credits", creditsBasis, this.creditsAvailable);
    if (plan.model === "BALANCE") low("balance", moneyBasis, this.balanceAvailable);
    for (const a of c.alerts) {
      const funds =
        a.metric === "CREDITS_REMAINING" ? creditsBasis : a.metric === "BALANCE_REMAINING" ? moneyBasis : undefined;
      out.push({
        marker: `alert:${a.id}`,
        level:
          a.metric === "USAGE"
            ? usage(a.feature!)
            : a.metric === "SPEND"
              ? (x) => x.spent
              : a.metric === "CREDITS_REMAINING"
                ? this.creditsAvailable
                : this.balanceAvailable,
        up: a.metric === "USAGE" || a.metric === "SPEND",
        at: a.threshold,
        armedAs: a.recurrence === "ONCE" ? "ONCE" : funds === undefined ? ps : `${ps}#${funds}`,
        family: `alert:${a.id}`,
        rank: 0,
        eventId: () => `alert.triggered:${a.id}:${++a.triggers}`,
      });
    }
    return out;
  }

  /** Fires what the track that took `c`'s levels from `before` reached while armed: one event per family, its highest. */
  private fire(c: MCustomer, thresholds: MThreshold[], before: bigint[]) {
    const highest = new Map<string, MThreshold>();
    thresholds.forEach((th, i) => {
      const level = th.level(c);
      // A level the track moved the other way (a debt repaid) or not at all crosses nothing.
      const moved = th.up ? level > before[i]! : level < before[i]!;
      if (!moved || c.alarms.get(th.marker) === th.armedAs) return;
      if (th.up ? level < th.at : level > th.at) return;
      c.alarms.set(th.marker, th.armedAs);
      if ((highest.get(th.family)?.rank ?? -1) < th.rank) highest.set(th.family, th);
    });
    for (const th of highest.values()) this.fired.push(th.eventId());
    // Coverage: thresholds re-armed by a monthly reset inside a yearly cycle fired again.
    const sub = this.active(c);
    const cycle = sub ? (this.plan(sub.planCode).cycle ?? 1) : 1;
    if (sub && !sub.trialing && cycle > 1 && sub.periodIndex % cycle !== 0)
      this.lifecycle.firedAfterReset += highest.size;
  }

  /**
   * What the API's wallet view must show, fields by name: those of the plan's model (granted this
   * period and left, a debt counted against what is left), and on other plans the purchased pools
   * only while some are held (a debt included).
   */
  walletView(id: string): Record<string, bigint> {
    const c = this.c(id);
    const sub = this.active(c);
    const plan = sub && this.subPlan(sub);
    const held = (name: string, v: bigint) => (v !== 0n ? { [name]: v } : {});
    // Open holds are shown apart, taken like usage: plan credits first, then the grants in spending
    // order, then purchased credits; the allowance first, then top-ups.
    const heldCredits = this.held(c, (h) => h.credits);
    const heldAmount = this.held(c, (h) => h.amount);
    const credits = this.creditsAvailable(c);
    const { planCredits, grantedShown } = this.creditsShown(c, heldCredits - c.heldExpired);
    const purchased = credits - planCredits - grantedShown;
    const balance = this.balanceAvailable(c);
    const topUps = maxB(0n, c.topUpsLeft - maxB(0n, heldAmount - c.allowanceLeft));
    const view: Record<string, bigint> =
      plan?.model === "CREDITS"
        ? {
            credits,
            planCredits,
            planCreditsGranted: c.planCreditsGranted,
            grantedCredits: grantedShown,
            purchasedCredits: purchased,
            heldCredits,
            ...held("topUps", topUps),
          }
        : plan?.model === "BALANCE"
          ? {
              ...held("purchasedCredits", purchased),
              balance,
              allowance: minB(maxB(0n, c.allowanceLeft - heldAmount), maxB(0n, balance)),
              allowanceGranted: plan.basePrice,
              topUps,
              spent: c.spent,
              overage: this.owed(c),
              heldAmount,
            }
          : { ...held("purchasedCredits", purchased), ...held("topUps", topUps) };
    return Object.fromEntries(Object.entries(view).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
