/**
 * The seeded randomized workload: operations over 20 customers on plans of all three models, run
 * in waves of up to 8 concurrent operations against core with a fault-injecting client, each
 * operation's answer checked against the reference model, and the stored state compared with the
 * model at checkpoints and at the end. The BALANCE plans also price an AI feature (ai_chat) by
 * the token prices of an own model (acme/chat-1) plus a margin; `reprice` changes that model's
 * prices (alone in its wave): tracks before it keep their cost, replays of them answer it.
 *
 * Concurrency is allowed only where the model defines the outcome whatever the interleaving:
 * operations on different customers, and several tracks of one customer that cannot be refused
 * (metered without a limit, or a balance plan that does not block) with fresh keys. Anything that
 * can be refused, or that changes a subscription, runs alone for its customer in its wave.
 *
 * It knows reservations (`reserve`, `settle`, `release`, from their own random stream so
 * the rest of a seed's workload stays as it was): holds on every model (AI calls priced by their
 * maximum output), settles below and above the hold (capped where the plan blocks), replays and
 * reused keys, releases, expiry as the clock passes a hold's ttl (given back by the sweeper or the
 * customer's next write), and holds carried across closes and plan changes; the stored
 * reservations' statuses and held counters are compared with the model's.
 *
 * It knows proration by min(time left, grant left) and the `prorate` flag of an
 * immediate cancel, invoices that never go below zero (the rest is account credit, compared per
 * customer), no invoice without lines, zero invoices issued PAID, and voids of pack and top-up
 * invoices with spending before and after them (`void`: the customer's newest OPEN purchase
 * invoice, or its newest invoice of any kind, or, after clock moves, the newest OPEN invoice that
 * applied account credit), each void's reported reversal and returned account credit checked.
 *
 * It has plans with tiered (GRADUATED, VOLUME with flat fees) and package overage and a
 * BALANCE price per package, which changes and subscribes may pick (customers start on the first
 * six plans as before), and, from their own random stream, inserted between the other operations:
 * grantCredits (some expiring, some replayed, some reusing a key) and adjustUsage (increases on any
 * plan; decreases on METERED plans, an increase elsewhere: see `decided`), and setSeats and
 * adjustQuota on the plans with a SEATS or QUOTA feature (metered_pro, credits_std, balance_std),
 * mostly on customers who start on them, sometimes on another feature or with a fractional count.
 *
 * With a grace period for late events it also sends timestamped adjustUsage corrections (their own
 * random stream): mostly into the ended period of a customer still in its grace (booked there,
 * priced on that period's plan with its add-ons, or refused as a late track would be), otherwise
 * stamped before the current period (PERIOD_CLOSED) or in it; some replayed, some reusing a key,
 * some sent again under a fresh key once the grace is over (PERIOD_CLOSED).
 *
 * The client: a domain answer (an error code, or a result) is final; anything else (an injected
 * fault that reached core, CONFLICT) makes it retry the same operation with the same idempotency
 * key, up to 12 times. After such a retry, an answer that says "it was already done" (a replayed
 * track, ALREADY_EXISTS for a subscribe, ...) is accepted as the original success: the state check
 * proves it happened exactly once.
 */
import { randomUUID } from "node:crypto";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { Deps } from "../../core/deps";
import { DomainError, isDomainError, type ErrorCode } from "../../core/errors";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCreditPack } from "../../core/credit-packs";
import { createCustomer } from "../../core/customers";
import { upsertAiModel } from "../../core/catalog/upsert-model";
import { subscribe, changePlan, cancelSubscription } from "../../core/subscriptions";
import { migrateSubscribers } from "../../core/subscriptions/migrate";
import { deleteCustomer } from "../../core/customers/delete";
import { getCustomer } from "../../core/db/customers";
import { trackUsage } from "../../core/usage/track";
import { adjustUsage } from "../../core/usage/adjust";
import { grantCredits } from "../../core/credit-grants";
import { adjustQuota, setSeats } from "../../core/levels";
import { attachAddOn, createAddOn, detachAddOn } from "../../core/add-ons";
import { trackUsageBatch } from "../../core/usage/batch";
import { quote } from "../../core/usage/quote";
import {
  customerReservations,
  releaseReservation,
  reserveUsage,
  settleReservation,
  type ReservationStatus,
} from "../../core/reservations";
import { reservationId } from "../../core/reservations/reservation";
import { listReservations } from "../../core/db/reservations";
import { getEvent } from "../../core/db/events";
import { usedOf } from "../../core/wallet";
import { createBillingYoga } from "../../schema/yoga";
import { checkEntitlement } from "../../core/entitlements";
import { purchaseCreditPack, topUpBalance } from "../../core/purchases";
import { requestCreditPackPurchase, requestTopUp } from "../../core/purchases/request";
import { createUsageAlert } from "../../core/alerts";
import { closeDuePeriods } from "../../core/periods/sweep";
import { markInvoicePaid, voidInvoice } from "../../core/invoices/status";
import { grantAccountCredit } from "../../core/account-credit";
import { applyCoupon, createCoupon, listCoupons, removeCoupon } from "../../core/coupons";
import { creditLeft, liveGrants } from "../../core/account-credit/grant";
import { currentWallet } from "../../core/usage/current";
import { walletView } from "../../core/models";
import { listEvents } from "../../core/db/event-timeline";
import { decodeEventCursor as decodeCursor } from "../../core/db/keys";
import { listInvoices } from "../../core/db/invoices";
import { listUnpublished } from "../../core/db/outbox";
import { createFaultyDeps, FaultInjector, prng, mix, T0, type FaultyDeps } from "./faulty-db";
import {
  BillingModel,
  dec,
  MAX_EVENT_VALUE,
  MAX_TOP_UP,
  S,
  type MAiPrice,
  type MAlert,
  type MCoupon,
  type MPack,
  type MPlan,
  type Outcome,
  type TrackArgs,
} from "./model";

const RESERVATION_STATUSES: ReservationStatus[] = ["HELD", "SETTLED", "RELEASED", "EXPIRED"];

// ---------------------------------------------------------------- catalog of the simulation

export const CUSTOMERS = Array.from({ length: 20 }, (_, i) => `cus-${String(i).padStart(2, "0")}`);
const FEATURES = ["api_calls", "images", "sso"] as const;
/** Levels (issue 17): a SEATS and a QUOTA feature, on some plans; only setSeats and adjustQuota move them. */
const LEVEL_FEATURES = { seats: "SEATS", projects: "QUOTA" } as const;
/**
 * Add-ons (issue 17): one granting 100 units a period of `exports`, a METERED feature only
 * metered_pro prices (so its grant is included units; CREDITS and BALANCE pool grants are tested
 * in test/graphql/add-ons.test.ts), and one turning on `sso` wherever it is attached.
 */
const EXPORTS = "exports";
const ADD_ONS = [
  { code: "exports_plus", feature: EXPORTS, price: "6", grants: "100" },
  { code: "sso_plus", feature: "sso", price: "4" },
] as const;
/** Priced by an AI model's token prices plus a margin, on the BALANCE plans only. */
const AI_FEATURE = "ai_chat";
/** Our own model (upsertAiModel), repriced now and then by the workload. */
export const AI_MODEL_ID = "acme/chat-1";
/** Prices per 1M tokens as decimal text (up to 6 decimals); no cacheRead: cache reads bill at the input price. */
export type AiPriceSpec = { input: string; output: string; cacheRead?: string };
const AI_PRICE_0: AiPriceSpec = { input: "3.000001", output: "15.5", cacheRead: "0.300007" };
const aiPrice = (p: AiPriceSpec): MAiPrice => ({
  input: dec(p.input),
  output: dec(p.output),
  ...(p.cacheRead !== undefined ? { cacheRead: dec(p.cacheRead) } : {}),
});

/** The plans, as core is asked to create them (decimal text) and as the model sees them (bigint). */
const PLAN_INPUTS = [
  {
    code: "metered_pro",
    model: "METERED",
    basePrice: "99",
    interval: "MONTH",
    features: [
      { feature: "api_calls", included: "1000", overagePrice: "0.01" },
      { feature: "images", included: "5", overagePrice: "0.5", limit: "20" },
      { feature: "sso" },
      { feature: "seats", included: "2", overagePrice: "7.5", limit: "30" },
      { feature: EXPORTS, included: "50", overagePrice: "0.02" },
    ],
  },
  {
    code: "metered_lite",
    model: "METERED",
    basePrice: "19",
    interval: "MONTH",
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.02", limit: "600" }],
  },
  {
    code: "credits_std",
    model: "CREDITS",
    basePrice: "49",
    interval: "MONTH",
    includedCredits: "300",
    features: [
      { feature: "images", creditsPerUnit: "10" },
      { feature: "api_calls", creditsPerUnit: "1" },
      { feature: "projects", included: "1", overagePrice: "2.25", limit: "12" },
    ],
  },
  {
    code: "credits_packs",
    model: "CREDITS",
    basePrice: "0",
    interval: "MONTH",
    includedCredits: "0",
    features: [{ feature: "images", creditsPerUnit: "5" }],
  },
  {
    code: "balance_std",
    model: "BALANCE",
    basePrice: "20",
    interval: "MONTH",
    features: [
      { feature: "api_calls", unitPrice: "0.2" },
      { feature: "images", unitPrice: "0.04" },
      { feature: "sso" },
      { feature: AI_FEATURE, pricing: "AI_MODEL", marginBps: 2500 },
      { feature: "seats", overagePrice: "3.333333" },
      { feature: "projects", overagePrice: "0.4" },
    ],
  },
  {
    code: "balance_block",
    model: "BALANCE",
    basePrice: "10",
    interval: "MONTH",
    blockOnExhaustion: true,
    features: [
      { feature: "api_calls", unitPrice: "0.0243" },
      { feature: "images", unitPrice: "0.25" },
      { feature: AI_FEATURE, pricing: "AI_MODEL", marginBps: 1234 },
    ],
  },
  {
    code: "metered_tiers",
    model: "METERED",
    basePrice: "29",
    interval: "MONTH",
    features: [
      {
        feature: "api_calls",
        included: "50",
        tiers: [
          { upTo: "100", unitPrice: "0.03" },
          { upTo: "400.5", unitPrice: "0.012", flatFee: "1.25" },
          { unitPrice: "0.004" },
        ],
      },
      {
        feature: "images",
        tiers: [{ upTo: "3", unitPrice: "0.7", flatFee: "0.5" }, { unitPrice: "0.2" }],
        tierMode: "VOLUME",
      },
    ],
  },
  {
    code: "metered_packs",
    model: "METERED",
    basePrice: "5",
    interval: "MONTH",
    features: [
      { feature: "api_calls", included: "20", overagePrice: "0.75", packageSize: "50" },
      { feature: "images", overagePrice: "0.3", packageSize: "2.5", limit: "40" },
    ],
  },
  {
    code: "balance_packs",
    model: "BALANCE",
    basePrice: "3",
    interval: "MONTH",
    features: [
      { feature: "api_calls", unitPrice: "0.03", packageSize: "1000" },
      { feature: "images", unitPrice: "1", packageSize: "3" },
    ],
  },
  // Annual plans with monthly allowances: the base fee once a year in advance, included units and
  // credits granted and overage invoiced every month; changes and cancels at period end wait for the year's end.
  {
    code: "metered_annual",
    model: "METERED",
    basePrice: "1200",
    interval: "YEAR",
    resetInterval: "MONTH",
    features: [
      { feature: "api_calls", included: "150", overagePrice: "0.01" },
      { feature: "images", included: "8", overagePrice: "0.4" },
    ],
  },
  {
    code: "credits_annual",
    model: "CREDITS",
    basePrice: "480",
    interval: "YEAR",
    resetInterval: "MONTH",
    includedCredits: "200",
    features: [
      { feature: "images", creditsPerUnit: "10" },
      { feature: "api_calls", creditsPerUnit: "1" },
    ],
  },
] as const;
const PLAN_CODES = PLAN_INPUTS.map((p) => p.code);
type AlertSpec = Omit<MAlert, "id" | "threshold" | "triggers"> & { threshold: string };
/** Custom alerts by customer (cus-0n starts on START_PLANS[n]). */
const ALERTS: Record<string, AlertSpec[]> = {
  "cus-00": [
    { metric: "USAGE", feature: "api_calls", threshold: "500", recurrence: "EVERY_PERIOD" },
    { metric: "SPEND", threshold: "5", recurrence: "ONCE" },
  ],
  "cus-01": [{ metric: "USAGE", feature: "api_calls", threshold: "50", recurrence: "ONCE" }],
  "cus-02": [{ metric: "CREDITS_REMAINING", threshold: "100", recurrence: "EVERY_PERIOD" }],
  "cus-03": [{ metric: "CREDITS_REMAINING", threshold: "50", recurrence: "ONCE" }],
  "cus-04": [
    { metric: "BALANCE_REMAINING", threshold: "5", recurrence: "EVERY_PERIOD" },
    { metric: "SPEND", threshold: "10", recurrence: "EVERY_PERIOD" },
  ],
  "cus-05": [{ metric: "BALANCE_REMAINING", threshold: "2", recurrence: "EVERY_PERIOD" }],
};
/** Where customers start (n % 6): the plans before the tiered and package ones, so CREDIT_ and BALANCE_CUSTOMERS hold. */
const START_PLANS = PLAN_CODES.slice(0, 6);
const ANNUAL_START = "metered_annual";
/** Issue 16's coupons: each kind of discount and duration, one capped, one restricted to plans. */
const COUPONS: MCoupon[] = [
  { code: "pct25_once", percentOffBps: 2500, duration: "ONCE", planCodes: [], redemptions: 0 },
  { code: "amt7_rep3", amountOff: 7n * S, duration: "REPEATING", durationCycles: 3, planCodes: [], redemptions: 0 },
  {
    code: "pct3333_forever",
    percentOffBps: 3333,
    duration: "FOREVER",
    maxRedemptions: 4,
    planCodes: [],
    redemptions: 0,
  },
  {
    code: "amt50_forever_some",
    amountOff: 50n * S,
    duration: "FOREVER",
    planCodes: [PLAN_CODES[0]!, PLAN_CODES[4]!],
    redemptions: 0,
  },
];
const PACKS = [
  { code: "pack_100", credits: "100", price: "10" },
  { code: "pack_1000", credits: "1000", price: "79.99" },
];

// ---------------------------------------------------------------- bounds (docs/concepts.md, "Bounds")

/**
 * Customers no other operation picks, on plans priced at the largest price accepted (10^9 per
 * unit): a few events of 10^8 units reach the 10^18 ceilings of a period's overage and spend, so
 * the ceilings refuse (LIMIT_REACHED) and the closes bill invoices of up to 10^18, all without
 * jamming anything.
 */
export const WHALES = ["whale-0", "whale-1"];
const WHALE_PLAN_INPUTS = [
  {
    code: "whale_metered",
    model: "METERED",
    basePrice: "1000000000",
    interval: "MONTH",
    features: [{ feature: "api_calls", included: "0", overagePrice: "1000000000" }],
  },
  {
    code: "whale_balance",
    model: "BALANCE",
    basePrice: "1000000000",
    interval: "MONTH",
    features: [{ feature: "api_calls", unitPrice: "1000000000" }],
  },
] as const;
/**
 * Timestamps that name no real instant: refused as BAD_USER_INPUT, never moved to another day. All
 * before the run starts, so a date moved to a real day would answer PERIOD_CLOSED (or
 * NO_SUBSCRIPTION) instead, which the model tells apart.
 */
const IMPOSSIBLE_DATES = [
  "2025-02-29T12:00:00Z",
  "2025-02-30T00:00:00Z",
  "2025-04-31T08:00:00Z",
  "2025-09-31T23:59:59Z",
  "2025-06-15T24:00:00Z",
  "2025-06-15T10:60:00Z",
];
/** The GraphQL face over a run's deps, for what only the edge checks (the DateTime scalar). */
const BOUNDS_KEY = "reliability-key-0123456789";
const yogas = new WeakMap<Deps, ReturnType<typeof createBillingYoga>>();

/** A bounds operation, from its own random stream so the rest of the workload stays as it was. */
function boundsOp(seed: number, id: number): Op {
  const q = prng(mix(seed, id, 0xb0d5));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const y = q();
  if (y < 0.5) {
    const v = q();
    // The ceiling is 10^9 units a period: one event of 10^9 fills it, two of 3..9 x 10^8 often pass it.
    const value = v < 0.1 ? "1000000000001" : v < 0.3 ? "1000000000" : `${3 + Math.floor(q() * 7)}00000000`;
    return { id, kind: "whale", t: { customerId: pick(WHALES), feature: "api_calls", key: `w${seed}-${id}`, value } };
  }
  if (y < 0.75)
    return {
      id,
      kind: "oversize",
      customerId: pick(CUSTOMERS),
      what: pick(["value", "topup", "quote"] as const),
      key: `o${seed}-${id}`,
    };
  return { id, kind: "baddate", customerId: pick(CUSTOMERS), key: `d${seed}-${id}`, timestamp: pick(IMPOSSIBLE_DATES) };
}

function modelPlans(): Map<string, MPlan> {
  return new Map(
    [...PLAN_INPUTS, ...WHALE_PLAN_INPUTS].map((p) => [
      p.code,
      {
        code: p.code,
        model: p.model,
        basePrice: dec(p.basePrice),
        cycle: p.interval === "YEAR" && "resetInterval" in p ? 12 : 1,
        includedCredits: "includedCredits" in p ? dec(p.includedCredits) : 0n,
        blockOnExhaustion: "blockOnExhaustion" in p,
        features: p.features.map((f) =>
          f.feature === "sso"
            ? { feature: f.feature, kind: "BOOLEAN" as const }
            : {
                feature: f.feature,
                kind: (LEVEL_FEATURES as Record<string, "SEATS" | "QUOTA">)[f.feature] ?? ("METERED" as const),
                ...Object.fromEntries(
                  Object.entries(f)
                    .filter(([k]) => k !== "feature")
                    .map(([k, v]) => [k, amountOrAsIs(k, v)]),
                ),
              },
        ),
      },
    ]),
  );
}

/** Plan feature fields: amounts as decimal text become bigint; `pricing`, `marginBps` and `tierMode` stay as they are. */
const amountOrAsIs = (k: string, v: unknown): unknown =>
  k === "pricing" || k === "marginBps" || k === "tierMode"
    ? v
    : k === "tiers"
      ? (v as Record<string, string>[]).map((t) =>
          Object.fromEntries(Object.entries(t).map(([tk, tv]) => [tk, dec(tv)])),
        )
      : dec(v as string);

// ---------------------------------------------------------------- operations

/** `ai`: an AI call (feature ai_chat): model and token counts instead of a value (`value` is then unused). */
export type TrackSpec = {
  customerId: string;
  feature: string;
  key: string;
  value: string;
  timestampBackMs?: number;
  /**
   * A late event: stamped this long before the end of the customer's ended period while its grace
   * lasts, else before now (the current period, or an earlier one: PERIOD_CLOSED); resolved once
   * against the model when first planned, so a replay sends the same timestamp (`stamped`).
   */
  lateMs?: number;
  ai?: AiCall;
};
const stamped = new WeakMap<TrackSpec, number>();
/** A late event's timestamp (see `lateMs`), decided on the model the first time it is planned. */
function lateStamp(model: BillingModel, t: TrackSpec): number {
  let at = stamped.get(t);
  if (at === undefined) {
    const c = model.customers.get(t.customerId)!;
    at = (c.ended && model.now < c.ended.graceEnd ? c.ended.periodEnd : model.now) - t.lateMs!;
    stamped.set(t, at);
  }
  return at;
}
/**
 * A timestamped correction (a grace-period run only): `pick` chooses, when it is first planned, one
 * of the customers whose ended period is still in its grace (unless `pick % 4 === 0`, or none is:
 * then `customerId`), stamped `ms` before that period's end, else `ms` before the current period's
 * start (`before`: PERIOD_CLOSED) or before now. `from`: the key of an earlier correction whose
 * customer and timestamp it reuses (the same correction sent again under a fresh key, mostly after
 * the grace: PERIOD_CLOSED).
 */
export type LateCorrection = { ms: number; pick: number; before: boolean; from?: string };
export type AiCall = { model: string; input: number; output: number; cacheRead?: number };
export type Op =
  | { id: number; kind: "track"; t: TrackSpec }
  | { id: number; kind: "batch"; items: TrackSpec[] }
  | { id: number; kind: "check"; customerId: string; feature: string; amount: string }
  /** `request`: requestCreditPackPurchase / requestTopUp (granted when paid) instead of the operator's purchase. */
  | { id: number; kind: "pack"; customerId: string; pack: string; key: string; request?: boolean }
  | { id: number; kind: "topup"; customerId: string; amount: string; key: string; request?: boolean }
  /** markInvoicePaid of the customer's newest OPEN purchase request: its credits or funds arrive. */
  | { id: number; kind: "pay"; customerId: string }
  | { id: number; kind: "accountCredit"; customerId: string; amount: string; key: string; expiresInMs?: number }
  | { id: number; kind: "subscribe"; customerId: string; plan: string; trialDays?: number }
  | { id: number; kind: "coupon"; customerId: string; code: string | null }
  | { id: number; kind: "change"; customerId: string; plan: string; timing: "IMMEDIATE" | "PERIOD_END" }
  | { id: number; kind: "cancel"; customerId: string; timing: "IMMEDIATE" | "PERIOD_END"; prorate: boolean }
  /**
   * voidInvoice of the customer's newest OPEN pack or top-up invoice (`purchase`), newest invoice
   * (`any`), or newest OPEN invoice that applied account credit (`credit`: the void gives it back).
   */
  | { id: number; kind: "void"; customerId: string; which: "purchase" | "any" | "credit" }
  /** Moves the test clock; `sweep`: then run the sweeper (else periods close lazily, or at the next sweep). */
  | { id: number; kind: "advance"; ms: number; sweep: boolean }
  /** upsertAiModel with new prices: runs alone in its wave, so every track is either before or after it. */
  | { id: number; kind: "reprice"; model: string; price: AiPriceSpec }
  /** A whale's track (see WHALES): values up to and beyond the bounds. */
  | { id: number; kind: "whale"; t: TrackSpec }
  /** Out of bounds: a value over 10^12 (track or quote), a top-up over 10^9; refused, nothing written. */
  | { id: number; kind: "oversize"; customerId: string; what: "value" | "topup" | "quote"; key: string }
  /** A track over GraphQL stamped at an impossible date; refused, nothing written. */
  | { id: number; kind: "baddate"; customerId: string; key: string; timestamp: string }
  /** grantCredits, expiring `expiresInMs` after the moment it runs (or never); see `decided`. */
  | { id: number; kind: "grant"; customerId: string; credits: string; key: string; expiresInMs?: number }
  /**
   * adjustUsage by `delta` (a decrease only on a METERED plan: see `decided`); `late`: timestamped,
   * mostly into an ended period still in its grace (see `lateTarget`).
   */
  | {
      id: number;
      kind: "adjust";
      customerId: string;
      feature: string;
      delta: string;
      key: string;
      reason: string;
      late?: LateCorrection;
    }
  /** reserveUsage of `t` (for an AI call: its maximum output), holding for `ttlSeconds`. */
  | { id: number; kind: "reserve"; t: TrackSpec; ttlSeconds: number }
  /** settleReservation of reservation `t.key` with the actual usage `t` (value or the call's tokens). */
  | { id: number; kind: "settle"; t: TrackSpec }
  | { id: number; kind: "release"; customerId: string; key: string }
  /** setSeats (`amount`: the count) or adjustQuota (`amount`: the signed delta), on any feature. */
  | { id: number; kind: "seats" | "quota"; customerId: string; feature: string; amount: string; key: string }
  /** attachAddOn / detachAddOn of one of ADD_ONS. */
  | { id: number; kind: "attach"; customerId: string; addOn: string; quantity: number; key: string }
  | { id: number; kind: "detach"; customerId: string; addOn: string }
  /** deleteCustomer: erased, its subscription ended now; deleting again changes nothing. */
  | { id: number; kind: "delete"; customerId: string }
  /**
   * migrateSubscribers between two plans of one model, called until it answers 0; `limit`: moves
   * per call (a run interrupted after that many and called again), else all in one call.
   */
  | { id: number; kind: "migrate"; from: string; to: string; timing: "IMMEDIATE" | "PERIOD_END"; limit?: number };

/** A value over the 10^12 a single event may carry. */
const OVERSIZE_VALUE = "1000000000001";

/** A reservation operation, from its own random stream (so the rest of a seed's workload stays as it was). */
function reservationOp(seed: number, id: number, reserves: Extract<Op, { kind: "reserve" }>[]): Op {
  const q = prng(mix(seed, id, 0x4e5e));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(q() * (hi - lo + 1));
  const y = q();
  if (y < 0.45 || !reserves.length) {
    const customerId = q() < 0.8 ? pick([...CREDIT_CUSTOMERS, ...BALANCE_CUSTOMERS]) : pick(CUSTOMERS);
    const ai = BALANCE_CUSTOMERS.includes(customerId) && q() < 0.3;
    const feature = ai ? AI_FEATURE : q() < 0.5 ? "images" : "api_calls";
    // One in twenty asks to hold more than one event may carry (10^12): refused, nothing written.
    const oversize = !ai && q() < 0.05;
    const t: TrackSpec = {
      customerId,
      feature,
      key: `r${seed}-${id}`,
      value: oversize ? OVERSIZE_VALUE : String(feature === "images" ? int(1, 6) : int(1, 200)),
      ...(ai ? { ai: { model: AI_MODEL_ID, input: int(1, 100_000), output: int(1, 8_000) } } : {}),
    };
    const op = { id, kind: "reserve" as const, t, ttlSeconds: pick([30, 600, 7_200, 86_400]) };
    if (!oversize) reserves.push(op);
    return op;
  }
  // Mostly one of the last few: settled or released while it still holds, the way clients do.
  const r = q() < 0.8 ? pick(reserves.slice(-4)) : pick(reserves);
  if (y < 0.53) {
    // Reserving again: the same request (a replay) or another one (a reused key).
    const again =
      q() < 0.6
        ? r.t
        : {
            ...r.t,
            value: String(Number(r.t.value) + 1),
            ...(r.t.ai ? { ai: { ...r.t.ai, output: r.t.ai.output + 1 } } : {}),
          };
    return { id, kind: "reserve", t: again, ttlSeconds: r.ttlSeconds };
  }
  if (y < 0.85) {
    // The actual usage: below, at or above the hold; now and then the same settle again.
    const value = String(Math.max(1, Math.round(Number(r.t.value) * pick([0.25, 0.5, 1, 1.5, 3, 10, 40, 200, 1000]))));
    const ai = r.t.ai && { ...r.t.ai, output: int(0, r.t.ai.output * pick([1, 2, 20])) };
    const stable = q() < 0.2;
    return {
      id,
      kind: "settle",
      t: { ...r.t, value: stable ? r.t.value : value, ...(ai ? { ai: stable ? r.t.ai! : ai } : {}) },
    };
  }
  return { id, kind: "release", customerId: r.t.customerId, key: r.t.key };
}

/** Plans by model, for migrations (between plans of one model, as an operator retires a plan). */
const PLANS_BY_MODEL = ["METERED", "CREDITS", "BALANCE"].map((m) =>
  PLAN_INPUTS.filter((p) => p.model === m).map((p) => p.code),
);
/**
 * Who may be deleted: customers starting on METERED plans without custom alerts, and cus-18: not
 * those whose alerts, purchases and reservations each seed must meet, nor the annual starter.
 */
const DELETABLE = ["cus-06", "cus-07", "cus-12", "cus-13", "cus-18"];

/** A lifecycle operation (deleteCustomer, migrateSubscribers), from its own random stream `q`. */
function lifecycleOp(q: () => number, id: number): Op {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  if (q() < 0.3) return { id, kind: "delete", customerId: pick(DELETABLE) };
  const plans = pick(PLANS_BY_MODEL);
  const from = pick(plans);
  const to = pick(plans.filter((p) => p !== from));
  return {
    id,
    kind: "migrate",
    from,
    to,
    timing: q() < 0.5 ? "IMMEDIATE" : "PERIOD_END",
    ...(q() < 0.5 ? { limit: 1 + Math.floor(q() * 3) } : {}),
  };
}

// Customers start on PLAN_CODES[n % 6] (see setup): purchases go mostly to those who can use them.
const CREDIT_CUSTOMERS = CUSTOMERS.filter((_, n) => n < 18 && [2, 3].includes(n % 6));
const BALANCE_CUSTOMERS = CUSTOMERS.filter((_, n) => n < 18 && [4, 5].includes(n % 6));
/** Those starting on a plan with seats (metered_pro, balance_std) or a quota (credits_std, balance_std). */
const SEAT_CUSTOMERS = CUSTOMERS.filter((_, n) => n < 18 && [0, 4].includes(n % 6));
const QUOTA_CUSTOMERS = CUSTOMERS.filter((_, n) => n < 18 && [2, 4].includes(n % 6));
/** Customers starting on metered_pro, the plan that prices exports. */
const EXPORT_CUSTOMERS = CUSTOMERS.filter((_, n) => n < 18 && n % 6 === 0);

/** The operation list of a seed: generated blind to state, so any sub-list is a valid workload too. */
/** lateEvents: 30% of the fresh tracks are late events (`lateMs`), from their own random stream. */
export function generate(seed: number, count: number, options: { lateEvents?: boolean } = {}): Op[] {
  const r = prng(mix(seed, 0x5eed));
  const l = prng(mix(seed, 0x1a7e));
  const late = (): Pick<TrackSpec, "lateMs"> =>
    options.lateEvents && l() < 0.3 ? { lateMs: 1 + Math.floor(l() * 6 * 3_600_000) } : {};
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const ops: Op[] = [];
  const tracks: TrackSpec[] = [];
  const purchases: Op[] = [];
  // Now and then a purchase request is voided right after it is made, so every seed voids requests
  // as well as paying them (a void of a random customer's newest OPEN purchase is mostly of an
  // operator's purchase). Its own random stream, and ids above every other op's: the rest of the
  // workload, its faults included, stays as it was.
  const v = prng(mix(seed, 0x701d));
  let voidNext: Op | undefined;
  const voidSoon = (op: Op) => {
    if ((op.kind === "pack" || op.kind === "topup") && op.request && v() < 0.1)
      voidNext = { id: 1_000_000 + op.id, kind: "void", customerId: op.customerId, which: "purchase" };
  };
  const grants: Extract<Op, { kind: "accountCredit" }>[] = [];
  // After a clock move, now and then a customer granted account credit has its newest OPEN invoice
  // that applied some voided (the credit comes back): its own stream and ids, as voidSoon's.
  const vc = prng(mix(seed, 0xc4ed));
  const voidCreditSoon = (op: Op) => {
    if (op.kind === "advance" && grants.length && vc() < 0.5) {
      const customerId = grants[Math.floor(vc() * grants.length)]!.customerId;
      voidNext = { id: 2_000_000 + op.id, kind: "void", customerId, which: "credit" };
    }
  };
  let keyN = 0;
  const value = (feature: string) => {
    const whole = feature === "images" ? int(1, 4) : int(1, 160);
    const frac = pick(["", "", "", ".5", ".25", ".000001"]);
    return `${whole}${frac}`;
  };
  const freshAi = (customerId = r() < 0.8 ? pick(BALANCE_CUSTOMERS) : pick(CUSTOMERS)): TrackSpec => ({
    customerId,
    feature: AI_FEATURE,
    key: `k${seed}-${keyN++}`,
    value: "1",
    ai: {
      model: AI_MODEL_ID,
      input: int(1, 200_000),
      output: int(0, 8_000),
      ...(r() < 0.3 ? { cacheRead: int(1, 500_000) } : {}),
    },
    ...(r() < 0.05 ? { timestampBackMs: int(1, 20 * 86_400_000) } : {}),
  });
  const freshTrack = (customerId = pick(CUSTOMERS)): TrackSpec => {
    if (r() < 0.1) return freshAi(customerId);
    const feature = r() < 0.05 ? "sso" : r() < 0.6 ? "api_calls" : "images";
    return {
      customerId,
      feature,
      key: `k${seed}-${keyN++}`,
      value: value(feature),
      ...(r() < 0.08 ? { timestampBackMs: int(1, 20 * 86_400_000) } : {}),
      ...late(),
    };
  };
  const q = prng(mix(seed, 0x17a));
  const adjustments: Op[] = [];
  const reserves: Extract<Op, { kind: "reserve" }>[] = [];
  const qr = prng(mix(seed, 0x4e5e));
  const qa = prng(mix(seed, 0xadd));
  const addOnOps: Op[] = [];
  const lc = prng(mix(seed, 0x1f3c));
  // Timestamped corrections into ended periods, with a grace period only: their own stream, so
  // the rest of the workload stays as it was; ids between the op they follow and the next.
  const la = prng(mix(seed, 0xad1a7e));
  const lateCorrections: Extract<Op, { kind: "adjust" }>[] = [];
  for (let id = 0; ops.length < count; id++) {
    // About 12 in 2,000: customers deleted (some twice), plans' subscribers migrated.
    if (lc() < 0.006) {
      ops.push(lifecycleOp(lc, id));
      continue;
    }
    if (qr() < 0.15) {
      ops.push(reservationOp(seed, id, reserves));
      continue;
    }
    if (qa() < 0.02) {
      const op = addOnOp(seed, id, addOnOps);
      addOnOps.push(op);
      ops.push(op);
      continue;
    }
    if (q() < 0.07) {
      const op = adjustmentOp(q, seed, id, adjustments);
      adjustments.push(op);
      ops.push(op);
      continue;
    }
    const x = r();
    let op: Op;
    if (x < 0.42) {
      const t = r() < 0.15 ? freshAi() : freshTrack();
      tracks.push(t);
      op = { id, kind: "track", t };
    } else if (x < 0.5 && tracks.length) {
      op = { id, kind: "track", t: pick(tracks) }; // replay of an earlier key, same payload
    } else if (x < 0.51 && tracks.length) {
      const old = pick(tracks);
      // the key reused for another payload
      op = {
        id,
        kind: "track",
        t: old.ai
          ? { ...old, ai: { ...old.ai, output: old.ai.output + 1 } }
          : { ...old, value: String(Number.parseInt(old.value, 10) + 1) },
      };
    } else if (x < 0.59) {
      const customers = r() < 0.7 ? [pick(CUSTOMERS)] : [pick(CUSTOMERS), pick(CUSTOMERS)];
      const items: TrackSpec[] = [];
      for (let i = int(2, 8); i > 0; i--) {
        const y = r();
        if (y < 0.1 && tracks.length) items.push(pick(tracks));
        else if (y < 0.15 && items.length) items.push(pick(items));
        else items.push(freshTrack(pick(customers)));
      }
      tracks.push(...items);
      op = { id, kind: "batch", items };
    } else if (x < 0.67) {
      op = { id, kind: "check", customerId: pick(CUSTOMERS), feature: pick(FEATURES), amount: String(int(1, 400)) };
    } else if (x < 0.72) {
      op =
        r() < 0.15 && purchases.length
          ? { ...(pick(purchases) as Extract<Op, { kind: "pack" }>), id }
          : {
              id,
              kind: "pack",
              customerId: r() < 0.7 ? pick(CREDIT_CUSTOMERS) : pick(CUSTOMERS),
              pack: pick(PACKS).code,
              key: `p${seed}-${keyN++}`,
              ...(r() < 0.4 ? { request: true } : {}),
            };
      voidSoon(op);
      purchases.push(op);
    } else if (x < 0.77) {
      op =
        r() < 0.15 && purchases.length
          ? { ...(pick(purchases) as Op), id }
          : {
              id,
              kind: "topup",
              customerId: r() < 0.7 ? pick(BALANCE_CUSTOMERS) : pick(CUSTOMERS),
              amount: `${int(1, 30)}.${pick(["00", "50", "99"])}`,
              key: `p${seed}-${keyN++}`,
              ...(r() < 0.4 ? { request: true } : {}),
            };
      voidSoon(op);
      purchases.push(op);
    } else if (x < 0.785) {
      // Account credit: sometimes expiring within days, sometimes a replay of an earlier grant.
      op =
        r() < 0.15 && grants.length
          ? { ...pick(grants), id }
          : {
              id,
              kind: "accountCredit",
              customerId: pick(CUSTOMERS),
              amount: `${int(1, 40)}.${pick(["00", "25", "99"])}`,
              key: `ac${seed}-${keyN++}`,
              ...(r() < 0.5 ? { expiresInMs: int(1, 45) * 86_400_000 } : {}),
            };
      if (op.kind === "accountCredit") grants.push(op);
    } else if (x < 0.79) {
      // Issue 16: a coupon applied (mostly) or removed.
      op = { id, kind: "coupon", customerId: pick(CUSTOMERS), code: r() < 0.8 ? pick(COUPONS).code : null };
    } else if (x < 0.82) {
      op = {
        id,
        kind: "subscribe",
        customerId: pick(CUSTOMERS),
        plan: pick(PLAN_CODES),
        ...(r() < 0.4 ? { trialDays: int(1, 20) } : {}),
      };
    } else if (x < 0.9) {
      op = {
        id,
        kind: "change",
        customerId: pick(CUSTOMERS),
        plan: pick(PLAN_CODES),
        timing: r() < 0.5 ? "IMMEDIATE" : "PERIOD_END",
      };
    } else if (x < 0.93) {
      op = {
        id,
        kind: "cancel",
        customerId: pick(CUSTOMERS),
        timing: r() < 0.4 ? "IMMEDIATE" : "PERIOD_END",
        prorate: r() < 0.5,
      };
    } else if (x < 0.955) {
      // Mostly hours to days; sometimes past a whole period; keeps the run within a few years.
      op = {
        id,
        kind: "advance",
        ms: r() < 0.1 ? int(28, 40) * 86_400_000 : int(1, 10 * 24) * 3_600_000 + int(0, 3_599_999),
        sweep: r() < 0.7,
      };
    } else if (x < 0.962) {
      const price = () => `${int(0, 30)}.${String(int(0, 999_999)).padStart(6, "0")}`;
      op = {
        id,
        kind: "reprice",
        model: AI_MODEL_ID,
        price: { input: price(), output: price(), ...(r() < 0.6 ? { cacheRead: price() } : {}) },
      };
    } else if (x < 0.98) {
      const customerId = r() < 0.8 ? pick([...CREDIT_CUSTOMERS, ...BALANCE_CUSTOMERS]) : pick(CUSTOMERS);
      op =
        r() < 0.5
          ? { id, kind: "pay", customerId }
          : { id, kind: "void", customerId, which: r() < 0.8 ? "purchase" : "any" };
    } else if (x < 0.995) {
      op = boundsOp(seed, id);
    } else continue;
    ops.push(op);
    voidCreditSoon(op);
    if (voidNext && ops.length < count) ops.push(voidNext);
    voidNext = undefined;
    if (options.lateEvents && la() < 0.05 && ops.length < count) {
      const correction = lateCorrectionOp(la, seed, id + 0.5, lateCorrections);
      lateCorrections.push(correction);
      ops.push(correction);
    }
  }
  return withHoldScenarios(seed, ops);
}

/**
 * The rarer reservation paths every seed must meet (RunResult.holdCoverage), as two short scripts
 * woven into the generated operations, each as consecutive operations of one customer (so nothing
 * comes between them) at a point its own random stream picks; the other operations stay as they
 * were. A grant that expires under a hold: a fresh CREDITS period (300 plan credits), 200 free
 * credits expiring in an hour, a hold of 350 (the plan's 300 and 50 of the grant), the clock two
 * hours on, then a settle below the hold. A settle in a free trial: a METERED trial, a hold of 5
 * of its 1,000 included calls, settled with 4.
 */
function withHoldScenarios(seed: number, ops: Op[]): Op[] {
  const q = prng(mix(seed, 0x401d));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const at = () => Math.floor(ops.length * (0.1 + 0.6 * q()));
  let id = 2_000_000;
  const grantee = pick(CREDIT_CUSTOMERS);
  const expiring: Op[] = [
    { id: id++, kind: "cancel", customerId: grantee, timing: "IMMEDIATE", prorate: false },
    { id: id++, kind: "subscribe", customerId: grantee, plan: "credits_std" },
    { id: id++, kind: "grant", customerId: grantee, credits: "200", key: `hg${seed}`, expiresInMs: 3_600_000 },
    {
      id: id++,
      kind: "reserve",
      t: { customerId: grantee, feature: "images", key: `hr${seed}`, value: "35" },
      ttlSeconds: 86_400,
    },
    { id: id++, kind: "advance", ms: 2 * 3_600_000, sweep: true },
    { id: id++, kind: "settle", t: { customerId: grantee, feature: "images", key: `hr${seed}`, value: "30" } },
  ];
  const trialist = pick(BALANCE_CUSTOMERS);
  const trial: Op[] = [
    { id: id++, kind: "cancel", customerId: trialist, timing: "IMMEDIATE", prorate: false },
    { id: id++, kind: "subscribe", customerId: trialist, plan: "metered_pro", trialDays: 7 },
    {
      id: id++,
      kind: "reserve",
      t: { customerId: trialist, feature: "api_calls", key: `ht${seed}`, value: "5" },
      ttlSeconds: 600,
    },
    { id: id++, kind: "settle", t: { customerId: trialist, feature: "api_calls", key: `ht${seed}`, value: "4" } },
  ];
  const first = at();
  const second = at();
  const woven = [...ops];
  // The later one first, so the earlier position still points where it was picked.
  for (const [where, script] of (first >= second
    ? [
        [first, expiring],
        [second, trial],
      ]
    : [
        [second, trial],
        [first, expiring],
      ]) as [number, Op[]][])
    woven.splice(where, 0, ...script);
  return woven;
}

/**
 * A timestamped adjustUsage (see `LateCorrection`), from its own random stream `q`: fresh, a
 * replay, the key reused for another reason, or an earlier correction sent again under a fresh key.
 */
function lateCorrectionOp(
  q: () => number,
  seed: number,
  id: number,
  earlier: Extract<Op, { kind: "adjust" }>[],
): Extract<Op, { kind: "adjust" }> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(q() * (hi - lo + 1));
  if (earlier.length && q() < 0.25) {
    const again = pick(earlier);
    const y = q();
    if (y < 0.5) return { ...again, id };
    if (y < 0.65) return { ...again, id, reason: "another reason" };
    const from = again.late!.from ?? again.key;
    return { ...again, id, key: `la${seed}-${id}`, late: { ...again.late!, from } };
  }
  return {
    id,
    kind: "adjust",
    ...correctionDraw(q, ["sso"]),
    key: `la${seed}-${id}`,
    reason: pick(["late correction", "missed events", "double-counted retries"]),
    late: { ms: int(1, 6 * 3_600_000), pick: int(0, 1_000_000), before: q() < 0.5 },
  };
}

/** Who a timestamped correction corrects and when it is stamped, decided when it (or the correction it repeats) is first planned. */
const lateTargets = new WeakMap<BillingModel, Map<string, { customerId: string; at: number }>>();
function lateTarget(model: BillingModel, op: Extract<Op, { kind: "adjust" }>): { customerId: string; at: number } {
  const late = op.late!;
  const memo = lateTargets.get(model) ?? new Map<string, { customerId: string; at: number }>();
  lateTargets.set(model, memo);
  const key = late.from ?? op.key;
  let target = memo.get(key);
  if (!target) {
    const inGrace = (id: string) => {
      const e = model.customers.get(id)!.ended;
      return e !== undefined && model.now < e.graceEnd;
    };
    const candidates = late.pick % 4 === 0 ? [] : CUSTOMERS.filter(inGrace);
    const customerId = candidates.length ? candidates[late.pick % candidates.length]! : op.customerId;
    const c = model.customers.get(customerId)!;
    const sub = model.active(c);
    const at = inGrace(customerId)
      ? c.ended!.periodEnd - late.ms
      : late.before && sub
        ? sub.periodStart - late.ms
        : model.now - late.ms;
    target = { customerId, at };
    memo.set(key, target);
  }
  return target;
}

/**
 * An add-on operation (issue 17), from its own random stream (so the rest of a seed's workload stays
 * as it was): attached (mostly once; replayed, or the key reused with another quantity), detached,
 * and usage of what they grant.
 */
function addOnOp(seed: number, id: number, earlier: Op[]): Op {
  const q = prng(mix(seed, id, 0xadd0));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(q() * (hi - lo + 1));
  const again = earlier.length && q() < 0.12 ? pick(earlier) : undefined;
  if (again)
    return again.kind === "attach" && q() < 0.3 ? { ...again, id, quantity: again.quantity + 1 } : { ...again, id };
  const y = q();
  const customerId = q() < 0.7 ? pick(EXPORT_CUSTOMERS) : pick(CUSTOMERS);
  const addOn = pick(ADD_ONS).code;
  if (y < 0.45)
    return { id, kind: "attach", customerId, addOn, quantity: q() < 0.8 ? 1 : int(2, 3), key: `n${seed}-${id}` };
  if (y < 0.6) return { id, kind: "detach", customerId, addOn };
  return { id, kind: "track", t: { customerId, feature: EXPORTS, key: `x${seed}-${id}`, value: String(int(1, 80)) } };
}

/** An issue-17 operation, from its own random stream `q`: a grant or a correction, fresh or replayed. */
function adjustmentOp(q: () => number, seed: number, id: number, earlier: Op[]): Op {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(q() * (hi - lo + 1));
  if (earlier.length && q() < 0.12) {
    const again = pick(earlier);
    // A replay, or (sometimes) the key reused for another request.
    if (q() < 0.7) return { ...again, id };
    if (again.kind === "seats" || again.kind === "quota") return { ...again, id, amount: `${again.amount}1` };
    return again.kind === "grant"
      ? { ...again, id, credits: `${Number.parseInt(again.credits, 10) + 1}` }
      : { ...(again as Extract<Op, { kind: "adjust" }>), id, reason: "another reason" };
  }
  if (q() < 0.5) {
    // Seats and quotas: mostly the feature of their kind, sometimes the other's or a metered one.
    const seats = q() < 0.5;
    const own = seats ? "seats" : "projects";
    const feature = q() < 0.9 ? own : pick(["seats", "projects", "api_calls"]);
    const amount = seats
      ? `${int(0, 34)}${q() < 0.03 ? ".5" : ""}`
      : `${q() < 0.3 ? "-" : ""}${int(1, 5)}${pick(["", "", "", ".25"])}`;
    const customerId = q() < 0.8 ? pick(seats ? SEAT_CUSTOMERS : QUOTA_CUSTOMERS) : pick(CUSTOMERS);
    return { id, kind: seats ? "seats" : "quota", customerId, feature, amount, key: `l${seed}-${id}` };
  }
  if (q() < 0.5)
    return {
      id,
      kind: "grant",
      customerId: q() < 0.8 ? pick(CREDIT_CUSTOMERS) : pick(CUSTOMERS),
      credits: `${int(1, 300)}${pick(["", "", ".5", ".000001"])}`,
      key: `g${seed}-${id}`,
      ...(q() < 0.6 ? { expiresInMs: int(1, 45 * 24) * 3_600_000 } : {}),
    };
  return {
    id,
    kind: "adjust",
    ...correctionDraw(q, ["sso", AI_FEATURE]),
    key: `a${seed}-${id}`,
    reason: pick(["double-counted retries", "goodwill", "missed events"]),
  };
}

/**
 * A fresh correction's customer, feature (now and then one of `rare`) and signed delta, from `q`
 * (drawn in this order: the seeds' workloads depend on it).
 */
function correctionDraw(q: () => number, rare: readonly string[]) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(q() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(q() * (hi - lo + 1));
  const feature = q() < 0.05 ? pick(rare) : q() < 0.6 ? "api_calls" : "images";
  const size = feature === "images" ? int(1, 3) : int(1, 120);
  const customerId = pick(CUSTOMERS);
  return { customerId, feature, delta: `${q() < 0.5 ? "-" : ""}${size}${pick(["", "", ".25"])}` };
}

/**
 * What an issue-17 operation means once the wave it runs in is known (decided in `expect`, used by
 * `perform`): a grant's expiry as an instant (a replay keeps its first one), and a correction's
 * delta (a decrease asked of a plan that is not METERED is made an increase: the reference model
 * restates refunds of credits and money only for METERED usage).
 */
const decided = new WeakMap<Op, { expiresAt?: number; delta?: bigint; customerId?: string; at?: number }>();
const firstExpiry = new WeakMap<BillingModel, Map<string, number | undefined>>();

/** The customers an operation touches (`model`: where a timestamped correction's is decided by the model's state). */
export const customersOf = (op: Op, model?: BillingModel): string[] =>
  op.kind === "adjust" && op.late && model
    ? [lateTarget(model, op).customerId]
    : op.kind === "track" || op.kind === "whale" || op.kind === "reserve" || op.kind === "settle"
      ? [op.t.customerId]
      : op.kind === "batch"
        ? [...new Set(op.items.map((i) => i.customerId))]
        : op.kind === "advance" || op.kind === "reprice" || op.kind === "migrate"
          ? []
          : [op.customerId];

/** Operations that run alone in their wave: every other operation is either before or after them. */
const runsAlone = (op: Op) => op.kind === "advance" || op.kind === "reprice" || op.kind === "migrate";

const describeTrack = (t: TrackSpec) =>
  `${t.customerId} ${t.feature} ${t.ai ? `${t.ai.model} in=${t.ai.input} out=${t.ai.output}${t.ai.cacheRead !== undefined ? ` cacheRead=${t.ai.cacheRead}` : ""}` : t.value} key=${t.key}${t.timestampBackMs ? ` at now-${t.timestampBackMs}ms` : ""}${t.lateMs ? ` late by ${t.lateMs}ms` : ""}`;

const describeLate = (l: LateCorrection) =>
  `${l.from ? `as ${l.from}` : `a customer in grace by pick ${l.pick}, ${l.ms}ms before its ended period's end${l.before ? " or its period's start" : ""}`}`;

export function describeOp(op: Op): string {
  switch (op.kind) {
    case "track":
      return `#${op.id} track ${describeTrack(op.t)}`;
    case "batch":
      return `#${op.id} batch [${op.items.map(describeTrack).join("; ")}]`;
    case "check":
      return `#${op.id} check ${op.customerId} ${op.feature} ${op.amount}`;
    case "pack":
      return `#${op.id} ${op.request ? "requestCreditPackPurchase" : "pack"} ${op.customerId} ${op.pack} key=${op.key}`;
    case "topup":
      return `#${op.id} ${op.request ? "requestTopUp" : "topup"} ${op.customerId} ${op.amount} key=${op.key}`;
    case "pay":
      return `#${op.id} pay ${op.customerId}'s newest OPEN purchase request`;
    case "accountCredit":
      return `#${op.id} grantAccountCredit ${op.customerId} ${op.amount} key=${op.key}${op.expiresInMs ? ` expiring in ${op.expiresInMs}ms` : ""}`;
    case "subscribe":
      return `#${op.id} subscribe ${op.customerId} ${op.plan}${op.trialDays ? ` trialDays=${op.trialDays}` : ""}`;
    case "coupon":
      return op.code ? `#${op.id} applyCoupon ${op.customerId} ${op.code}` : `#${op.id} removeCoupon ${op.customerId}`;
    case "change":
      return `#${op.id} changePlan ${op.customerId} ${op.plan} ${op.timing}`;
    case "cancel":
      return `#${op.id} cancel ${op.customerId} ${op.timing}${op.prorate ? " prorate" : ""}`;
    case "void":
      return `#${op.id} void ${op.customerId}'s newest ${{ purchase: "OPEN pack/top-up invoice", credit: "OPEN invoice that applied account credit", any: "invoice" }[op.which]}`;
    case "advance":
      return `#${op.id} advance ${op.ms}ms${op.sweep ? " + sweep" : " (no sweep)"}`;
    case "reprice":
      return `#${op.id} reprice ${op.model} input=${op.price.input} output=${op.price.output} cacheRead=${op.price.cacheRead ?? "(input price)"} per 1M`;
    case "whale":
      return `#${op.id} whale track ${describeTrack(op.t)}`;
    case "oversize":
      return `#${op.id} oversize ${op.what} ${op.customerId} key=${op.key}`;
    case "baddate":
      return `#${op.id} track over GraphQL ${op.customerId} at ${op.timestamp} key=${op.key}`;
    case "grant":
      return `#${op.id} grantCredits ${op.customerId} ${op.credits}${op.expiresInMs !== undefined ? ` expiring in ${op.expiresInMs}ms` : ""} key=${op.key}`;
    case "adjust":
      return `#${op.id} adjustUsage ${op.late ? `(timestamped: ${describeLate(op.late)}, else ${op.customerId})` : op.customerId} ${op.feature} ${op.delta} (${op.reason}) key=${op.key}`;
    case "reserve":
      return `#${op.id} reserve ${describeTrack(op.t)} ttl=${op.ttlSeconds}s`;
    case "settle":
      return `#${op.id} settle ${describeTrack(op.t)}`;
    case "release":
      return `#${op.id} release ${op.customerId} key=${op.key}`;
    case "seats":
      return `#${op.id} setSeats ${op.customerId} ${op.feature} ${op.amount} key=${op.key}`;
    case "quota":
      return `#${op.id} adjustQuota ${op.customerId} ${op.feature} ${op.amount} key=${op.key}`;
    case "attach":
      return `#${op.id} attachAddOn ${op.customerId} ${op.addOn} x${op.quantity} key=${op.key}`;
    case "detach":
      return `#${op.id} detachAddOn ${op.customerId} ${op.addOn}`;
    case "delete":
      return `#${op.id} deleteCustomer ${op.customerId}`;
    case "migrate":
      return `#${op.id} migrateSubscribers ${op.from} -> ${op.to} ${op.timing}${op.limit ? ` limit ${op.limit} a call` : ""}`;
  }
}

// ---------------------------------------------------------------- the run

export type RunOptions = {
  seed: number;
  ops: Op[];
  faultRate: number;
  endpoint: string;
  concurrency?: number;
  checkpointEvery?: number;
  /** Stop at the first violation (default true). */
  stopOnViolation?: boolean;
  /** The deployment's grace period for late events (BILLING_GRACE_PERIOD), ms; default none. */
  gracePeriodMs?: number;
  log?: (line: string) => void;
};

export type RunResult = {
  seed: number;
  ops: number;
  waves: number;
  violations: { op?: number; message: string }[];
  faults: Record<string, number>;
  requests: number;
  clientRetries: number;
  sweeps: { closed: number; failed: number };
  invoices: number;
  events: number;
  /** Of `events`, the AI calls (ai_chat, priced by model tokens). */
  aiEvents: number;
  /** Threshold events the model fired, all published. */
  thresholds: number;
  /** Reprices of the AI model that ran. */
  reprices: number;
  /** Bounds operations (whale, oversize, baddate) refused as BAD_USER_INPUT, and as LIMIT_REACHED by a ceiling. */
  bounds: { badInput: number; ceilings: number };
  /** Money-rule coverage, from the model at the end: invoices with a PRORATION credit, invoices whose
   * subtotal went below zero (account credit), voided purchases, and those of them already spent. */
  money: {
    prorations: number;
    creditedToAccount: number;
    reversals: number;
    reversalsWithDebt: number;
    /** Purchase requests paid (their grant arrived on payment) and voided (nothing granted). */
    paidRequests: number;
    voidedRequests: number;
    /** Issue 16: invoices that took account credit, that a coupon discounted; trials that ended in a paid period. */
    accountCreditApplied: number;
    /** Voided invoices that had applied account credit, which the void gave back. */
    creditReturned: number;
    discounted: number;
    trialsConverted: number;
  };
  /** Pricing coverage, from the model: lines per tier and per package, grants and corrections accepted. */
  pricing: BillingModel["pricing"];
  /** Reservation coverage, from the model at the end: reservations by final status, and settles that were capped. */
  reservations: { held: number; settled: number; released: number; expired: number; capped: number };
  /**
   * Rarer reservation paths, counted by the model: credit grants that expired while holds had some
   * of them, settles in a free trial (every seed meets both: generate's withHoldScenarios).
   */
  holdCoverage: { grantExpiredUnderHold: number; settledInTrial: number };
  /** With a grace period: late events booked into an ended period, closing invoices issued at a grace end. */
  late: BillingModel["late"];
  /** Lifecycle coverage, from the model: monthly resets inside a yearly cycle, deletions, migrations. */
  lifecycle: BillingModel["lifecycle"];
  durationMs: number;
};

class Violation extends Error {}

export async function runWorkload(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const { seed, ops } = options;
  grantExpiries.clear();
  const faults = new FaultInjector(seed, options.faultRate);
  const created = await createFaultyDeps(options.endpoint, `rel-${seed}-${randomUUID().slice(0, 8)}`, faults);
  const grace = options.gracePeriodMs ?? 0;
  const deps: FaultyDeps = grace ? { ...created, gracePeriodMs: grace } : created;
  const model = new BillingModel(
    modelPlans(),
    new Map<string, MPack>(PACKS.map((p) => [p.code, { code: p.code, credits: dec(p.credits), price: dec(p.price) }])),
    Date.parse(T0),
    grace,
  );
  const result: RunResult = {
    seed,
    ops: ops.length,
    waves: 0,
    violations: [],
    faults: faults.counts,
    requests: 0,
    clientRetries: 0,
    sweeps: { closed: 0, failed: 0 },
    invoices: 0,
    events: 0,
    aiEvents: 0,
    thresholds: 0,
    reprices: 0,
    bounds: { badInput: 0, ceilings: 0 },
    money: {
      prorations: 0,
      creditedToAccount: 0,
      reversals: 0,
      reversalsWithDebt: 0,
      paidRequests: 0,
      voidedRequests: 0,
      accountCreditApplied: 0,
      creditReturned: 0,
      discounted: 0,
      trialsConverted: 0,
    },
    pricing: model.pricing,
    reservations: { held: 0, settled: 0, released: 0, expired: 0, capped: 0 },
    holdCoverage: { grantExpiredUnderHold: 0, settledInTrial: 0 },
    late: model.late,
    lifecycle: model.lifecycle,
    durationMs: 0,
  };
  const violate = (message: string, op?: Op) => {
    result.violations.push({ ...(op ? { op: op.id } : {}), message: op ? `${describeOp(op)}: ${message}` : message });
    if (options.stopOnViolation !== false) throw new Violation(message);
  };

  try {
    await setup(deps, model);
    faults.enabled = true;
    const width = options.concurrency ?? 8;
    const every = options.checkpointEvery ?? 500;
    let sinceCheckpoint = 0;
    for (let i = 0; i < ops.length; ) {
      // A wave: consecutive operations, none of which can be affected by another one's order.
      const wave: { op: Op; expected: Expected }[] = [];
      const clockBefore = model.now;
      const busy = new Map<string, "alone" | "tracks">();
      const waveKeys = new Set<string>();
      while (i < ops.length && wave.length < width) {
        const op = ops[i]!;
        if (runsAlone(op) && wave.length) break;
        // A track that fires a threshold runs alone for its customer: which of several concurrent
        // tracks reaches 80% first decides whether 80% is announced.
        const shareable =
          op.kind === "track" &&
          unrefusable(model, op.t) &&
          !waveKeys.has(`${op.t.customerId}/${op.t.key}`) &&
          !model.firesThreshold(trackArgs(model, op.t));
        const customers = customersOf(op, model);
        if (customers.some((c) => busy.has(c) && !(shareable && busy.get(c) === "tracks"))) break;
        for (const c of customers) busy.set(c, shareable ? "tracks" : "alone");
        if (op.kind === "track") waveKeys.add(`${op.t.customerId}/${op.t.key}`);
        wave.push({ op, expected: expect(model, op) });
        i++;
        if (runsAlone(op)) break;
      }
      result.waves++;
      // The stored clock equals the model's before the wave (advances run alone, and are checked).
      await Promise.all(wave.map(({ op, expected }) => perform(deps, op, expected, clockBefore, result, violate)));
      sinceCheckpoint += wave.length;
      if (sinceCheckpoint >= every || i >= ops.length) {
        sinceCheckpoint = 0;
        await settle(deps, result);
        faults.enabled = false;
        await compare(deps, model, violate, i >= ops.length ? result : undefined);
        faults.enabled = true;
      }
    }
  } catch (error) {
    // A Violation thrown without violate() (the client gave up, the sweeper never settled) is one too.
    if (error instanceof Violation && !result.violations.length) result.violations.push({ message: error.message });
    if (!(error instanceof Violation)) {
      result.violations.push({
        message: `unexpected: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      });
    }
  } finally {
    faults.enabled = false;
    result.requests = faults.requests;
    result.durationMs = Date.now() - started;
    // Each run has its own table; drop it so a long soak does not grow DynamoDB Local's memory.
    await deps.db.raw.send(new DeleteTableCommand({ TableName: deps.db.table })).catch(() => undefined);
    deps.db.raw.destroy();
  }
  return result;
}

async function setup(deps: Deps, model: BillingModel) {
  for (const code of FEATURES)
    await createFeature(deps, { code, name: code, kind: code === "sso" ? "BOOLEAN" : "METERED" });
  await createFeature(deps, { code: AI_FEATURE, name: AI_FEATURE, kind: "METERED" });
  for (const [code, kind] of Object.entries(LEVEL_FEATURES)) await createFeature(deps, { code, name: code, kind });
  await createFeature(deps, { code: EXPORTS, name: EXPORTS, kind: "METERED" });
  for (const a of ADD_ONS)
    await createAddOn(deps, {
      code: a.code,
      name: a.code,
      feature: a.feature,
      price: dec(a.price),
      ...("grants" in a ? { grants: dec(a.grants) } : {}),
    });
  await upsertAiModel(deps, aiModelInput(AI_MODEL_ID, AI_PRICE_0));
  model.setAiPrice(AI_MODEL_ID, aiPrice(AI_PRICE_0));
  for (const p of [...PLAN_INPUTS, ...WHALE_PLAN_INPUTS]) {
    const input = {
      ...p,
      name: p.code,
      features: p.features.map((f) =>
        Object.fromEntries(Object.entries(f).map(([k, v]) => [k, k === "feature" ? v : amountOrAsIs(k, v)])),
      ),
      ...("includedCredits" in p ? { includedCredits: dec(p.includedCredits) } : {}),
      basePrice: dec(p.basePrice),
    };
    await createPlan(deps, input as unknown as Parameters<typeof createPlan>[1]);
  }
  for (const p of PACKS)
    await createCreditPack(deps, { code: p.code, name: p.code, credits: dec(p.credits), price: dec(p.price) });
  for (const c of COUPONS) {
    await createCoupon(deps, {
      code: c.code,
      name: c.code,
      duration: c.duration,
      ...(c.percentOffBps !== undefined ? { percentOffBps: c.percentOffBps } : {}),
      ...(c.amountOff !== undefined ? { amountOff: c.amountOff } : {}),
      ...(c.durationCycles !== undefined ? { durationCycles: c.durationCycles } : {}),
      ...(c.maxRedemptions !== undefined ? { maxRedemptions: c.maxRedemptions } : {}),
      planCodes: c.planCodes,
    });
    model.coupons.set(c.code, { ...c, planCodes: [...c.planCodes] });
  }
  for (const [n, id] of CUSTOMERS.entries()) {
    await createCustomer(deps, { id });
    model.addCustomer(id);
    // The last customer starts on the annual METERED plan (monthly resets inside its year from the start).
    const plan = n < 18 ? START_PLANS[n % START_PLANS.length]! : n === CUSTOMERS.length - 1 ? ANNUAL_START : undefined;
    if (plan) {
      await subscribe(deps, id, plan);
      model.subscribe(id, plan);
    }
  }
  // Custom alerts on the first customers, one or two per plan they start on; plan
  // changes take them to the other models, where some never fire.
  for (const [id, alerts] of Object.entries(ALERTS)) {
    for (const a of alerts) {
      const created = await createUsageAlert(deps, { customerId: id, ...a, threshold: dec(a.threshold) });
      model.addAlert(id, { ...a, id: created.id, threshold: dec(a.threshold), triggers: 0 });
    }
  }
  for (const [n, id] of WHALES.entries()) {
    const plan = WHALE_PLAN_INPUTS[n % WHALE_PLAN_INPUTS.length]!.code;
    await createCustomer(deps, { id });
    model.addCustomer(id);
    await subscribe(deps, id, plan);
    model.subscribe(id, plan);
  }
}

const aiModelInput = (id: string, p: AiPriceSpec) => ({
  id,
  inputPrice: dec(p.input),
  outputPrice: dec(p.output),
  ...(p.cacheRead !== undefined ? { cacheReadPrice: dec(p.cacheRead) } : {}),
});

/** A track whose outcome no concurrent track of the same customer can change. */
function unrefusable(model: BillingModel, t: TrackSpec): boolean {
  const c = model.customers.get(t.customerId)!;
  const sub = model.active(c);
  // A trial refuses overage: any track in one may be refused.
  if (!sub || sub.trialing || t.timestampBackMs !== undefined || t.lateMs !== undefined || c.events.has(t.key))
    return false;
  const plan = model.plan(sub.planCode);
  const f = plan.features.find((x) => x.feature === t.feature);
  if (!f || f.kind === "BOOLEAN") return false;
  return (plan.model === "METERED" && f.limit === undefined) || (plan.model === "BALANCE" && !plan.blockOnExhaustion);
}

// What the model says an operation must answer (computed, and applied to the model, before the wave runs).
type Expected = Outcome | Outcome[] | { allowed: boolean; reason?: string } | { ok: true; moved: number };

const trackArgs = (model: BillingModel, t: TrackSpec): TrackArgs => ({
  customerId: t.customerId,
  feature: t.feature,
  key: t.key,
  // An AI call's quantity is its token count.
  value: t.ai ? BigInt(t.ai.input + t.ai.output + (t.ai.cacheRead ?? 0)) * S : dec(t.value),
  ...(t.lateMs !== undefined
    ? { timestamp: lateStamp(model, t) }
    : t.timestampBackMs !== undefined
      ? { timestamp: model.now - t.timestampBackMs }
      : {}),
  ...(t.ai
    ? {
        tokens: {
          model: t.ai.model,
          input: BigInt(t.ai.input),
          output: BigInt(t.ai.output),
          cacheRead: BigInt(t.ai.cacheRead ?? 0),
        },
      }
    : {}),
});
/** What makes two tracks with one key the same request. */
const payloadOf = (a: TrackArgs, t: TrackSpec) =>
  `${a.feature}|${t.ai ? `${t.ai.model}:${t.ai.input}:${t.ai.output}:${t.ai.cacheRead ?? "-"}` : a.value}|${a.timestamp ?? "-"}`;

function expect(model: BillingModel, op: Op): Expected {
  switch (op.kind) {
    case "track": {
      const a = trackArgs(model, op.t);
      return model.track(a, payloadOf(a, op.t));
    }
    case "batch":
      return op.items.map((t) => {
        const a = trackArgs(model, t);
        return model.track(a, payloadOf(a, t));
      });
    case "check":
      return model.entitlement(op.customerId, op.feature, dec(op.amount));
    case "pack":
      return op.request
        ? model.requestPack(op.customerId, op.pack, op.key)
        : model.purchasePack(op.customerId, op.pack, op.key);
    case "topup":
      return op.request
        ? model.requestTopUp(op.customerId, dec(op.amount), op.key)
        : model.topUp(op.customerId, dec(op.amount), op.key);
    case "pay": {
      const target = model.payTarget(op.customerId);
      return target ? model.pay(target) : { ok: true, reversal: undefined };
    }
    case "accountCredit":
      return model.grantAccountCredit(op.customerId, dec(op.amount), op.key, grantExpiry(op, model.now));
    case "subscribe":
      return model.subscribe(op.customerId, op.plan, op.trialDays ?? 0);
    case "coupon":
      return op.code
        ? model.applyCoupon(op.customerId, model.coupons.get(op.code)!)
        : model.removeCoupon(op.customerId);
    case "change":
      return model.changePlan(op.customerId, op.plan, op.timing);
    case "cancel":
      return model.cancel(op.customerId, op.timing, op.prorate);
    case "void": {
      const target = model.voidTarget(op.customerId, op.which);
      return target ? model.voidInvoice(target) : { ok: true, reversal: undefined };
    }
    case "advance":
      model.advance(model.now + op.ms);
      return { ok: true };
    case "reprice":
      model.setAiPrice(op.model, aiPrice(op.price));
      return { ok: true };
    case "whale": {
      const a = trackArgs(model, op.t);
      return model.track(a, payloadOf(a, op.t));
    }
    case "oversize":
      return op.what === "topup"
        ? model.topUp(op.customerId, MAX_TOP_UP + S / 100n, op.key)
        : { ok: false, code: model.valueRefusal(MAX_EVENT_VALUE + S) ?? "none" };
    case "reserve": {
      const a = trackArgs(model, op.t);
      return model.reserve(a, `${payloadOf(a, op.t)}|${op.ttlSeconds}`, op.ttlSeconds * 1000);
    }
    case "settle": {
      const a = trackArgs(model, op.t);
      return model.settle(a, payloadOf(a, op.t));
    }
    case "release":
      return model.release(op.customerId, op.key);
    case "baddate":
      return BillingModel.isRealInstant(op.timestamp)
        ? { ok: false, code: "not an impossible date" }
        : { ok: false, code: "BAD_USER_INPUT" };
    case "grant": {
      const asked = firstExpiry.get(model) ?? new Map<string, number | undefined>();
      firstExpiry.set(model, asked);
      const expiresAt = asked.has(op.key)
        ? asked.get(op.key)
        : op.expiresInMs !== undefined
          ? model.now + op.expiresInMs
          : undefined;
      if (!asked.has(op.key)) asked.set(op.key, expiresAt);
      decided.set(op, expiresAt !== undefined ? { expiresAt } : {});
      return model.grantCredits(op.customerId, dec(op.credits), op.key, expiresAt);
    }
    case "adjust": {
      const target = op.late ? lateTarget(model, op) : undefined;
      const customerId = target?.customerId ?? op.customerId;
      const c = model.customers.get(customerId)!;
      // The plan of the period it corrects: the ended one in its grace, if it is stamped there.
      const e = c.ended;
      const into =
        target && e && model.now < e.graceEnd && target.at >= e.periodStart && target.at < e.periodEnd
          ? e.planCode
          : model.active(c)?.planCode;
      const asked = dec(op.delta);
      const delta = asked < 0n && into && model.plan(into).model !== "METERED" ? -asked : asked;
      decided.set(op, { delta, ...(target ? { customerId, at: target.at } : {}) });
      const payload = `adjust|${op.feature}|${delta}|${op.reason}${target ? `|${target.at}` : ""}`;
      return model.adjust(customerId, op.feature, delta, op.key, payload, target?.at);
    }
    case "delete":
      return model.deleteCustomer(op.customerId);
    case "migrate":
      return model.migrate(op.from, op.to, op.timing);
    case "seats":
    case "quota":
      return model.setLevel(
        op.customerId,
        op.feature,
        op.kind,
        dec(op.amount),
        op.key,
        `${op.kind}|${op.feature}|${op.amount}`,
      );
    case "attach": {
      const a = ADD_ONS.find((x) => x.code === op.addOn)!;
      const addOn = {
        code: a.code,
        feature: a.feature,
        price: dec(a.price),
        ...("grants" in a ? { grants: dec(a.grants) } : {}),
      };
      return model.attachAddOn(op.customerId, addOn, op.quantity, op.key);
    }
    case "detach":
      return model.detachAddOn(op.customerId, op.addOn);
  }
}

/**
 * A grant's expiry: `expiresInMs` after the first time it is asked for. A replay carries the same
 * key and so the same instant (the op it copies was generated first, at an earlier or equal clock).
 */
const grantExpiries = new Map<string, number>();
function grantExpiry(op: Extract<Op, { kind: "accountCredit" }>, now: number): number | undefined {
  if (op.expiresInMs === undefined) return undefined;
  const key = `${op.customerId}/${op.key}`;
  if (!grantExpiries.has(key)) grantExpiries.set(key, now + op.expiresInMs);
  return grantExpiries.get(key);
}

const MAX_CLIENT_ATTEMPTS = 12;

/** The client: the operation until it gets a domain answer; `retried` when an attempt failed before. */
async function client<T>(
  deps: FaultyDeps,
  op: Op,
  result: RunResult,
  fn: () => Promise<T>,
  options: { faultFree?: boolean } = {},
): Promise<{ value?: T; code?: string; message?: string; retried: boolean }> {
  let retried = false;
  let last: unknown;
  for (let attempt = 0; attempt < MAX_CLIENT_ATTEMPTS; attempt++) {
    try {
      // The last attempt runs when the network has healed: an operation that touches many items
      // (a batch falling back to single tracks) may meet a fault on every faulty attempt.
      const faultFree = options.faultFree || attempt === MAX_CLIENT_ATTEMPTS - 1;
      return { value: await deps.faults.run(op.id * 64 + attempt, fn, { faultFree }), retried };
    } catch (error) {
      if (isDomainError(error) && error.code !== "CONFLICT")
        return { code: error.code, message: error.message, retried };
      last = error;
      retried = true;
      result.clientRetries++;
    }
  }
  throw new Violation(`${describeOp(op)}: no answer after ${MAX_CLIENT_ATTEMPTS} attempts: ${String(last)}`);
}

/**
 * The customer's invoices once its ended periods are closed, read fault-free: how `pay` and `void`
 * choose their target. Still retried as a client call: a close's invoice write is group-committed
 * (core/db/group-commit.ts), and the group's transaction goes out in the scope of whichever call
 * began draining it, which may be a faulty one (seed 87016).
 */
async function invoicesAfterClose(deps: FaultyDeps, op: Extract<Op, { kind: "pay" | "void" }>, result: RunResult) {
  const read = async () => {
    await currentWallet(deps, op.customerId, { close: true });
    return listInvoices(deps.db, op.customerId);
  };
  const r = await client(deps, op, result, read, { faultFree: true });
  if (r.code !== undefined) throw new Violation(`${describeOp(op)}: its invoices unread: ${r.code} ${r.message}`);
  return r.value!;
}

/** After a retried call, these answers mean "your earlier attempt did it". */
const ALREADY_DONE: Partial<Record<Op["kind"], string>> = {
  subscribe: "ALREADY_EXISTS",
  change: "BAD_USER_INPUT",
  cancel: "NO_SUBSCRIPTION",
};

function outcomeMatches(
  expected: Outcome,
  actual: { ok: boolean; replayed?: boolean; code?: string; cost?: bigint; capped?: boolean },
  retried: boolean,
  kind: Op["kind"],
): boolean {
  if (!expected.ok) return !actual.ok && actual.code === expected.code;
  if (!actual.ok)
    return (
      retried && expected.replayed !== true && ALREADY_DONE[kind] !== undefined && actual.code === ALREADY_DONE[kind]
    );
  // A charged track (or its replay) answers the cost it was charged when first recorded.
  if (expected.cost !== undefined && actual.cost !== expected.cost) return false;
  if (expected.capped !== undefined && actual.capped !== undefined && actual.capped !== expected.capped) return false;
  if (expected.replayed === undefined || actual.replayed === undefined) return true;
  return actual.replayed === expected.replayed || (retried && expected.replayed === false && actual.replayed === true);
}

const show = (o: unknown) => JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

async function perform(
  deps: FaultyDeps,
  op: Op,
  expected: Expected,
  clock: number,
  result: RunResult,
  violate: (m: string, op?: Op) => void,
): Promise<void> {
  const now = async () => clock;
  const input = async (t: TrackSpec) => ({
    customerId: t.customerId,
    feature: t.feature,
    idempotencyKey: t.key,
    ...(t.ai
      ? {
          model: t.ai.model,
          inputTokens: t.ai.input,
          outputTokens: t.ai.output,
          ...(t.ai.cacheRead !== undefined ? { cacheReadTokens: t.ai.cacheRead } : {}),
        }
      : { value: dec(t.value) }),
    ...(t.lateMs !== undefined
      ? { timestamp: new Date(stamped.get(t)!) }
      : t.timestampBackMs !== undefined
        ? { timestamp: new Date((await now()) - t.timestampBackMs) }
        : {}),
  });
  const single = (
    e: Outcome,
    actual: { value?: unknown; code?: string; message?: string; retried: boolean },
    replayed?: boolean,
    cost?: bigint,
    capped?: boolean,
  ) => {
    const a = actual.code
      ? { ok: false, code: actual.code }
      : {
          ok: true,
          ...(replayed !== undefined ? { replayed } : {}),
          ...(cost !== undefined ? { cost } : {}),
          ...(capped !== undefined ? { capped } : {}),
        };
    if (!outcomeMatches(e, a, actual.retried, op.kind))
      violate(
        `expected ${show(e)}, got ${show(a)}${actual.message ? ` (${actual.message})` : ""}${actual.retried ? " (after a client retry)" : ""}`,
        op,
      );
    if (
      ["whale", "oversize", "baddate"].includes(op.kind) ||
      (op.kind === "reserve" && op.t.value === OVERSIZE_VALUE)
    ) {
      if (actual.code === "BAD_USER_INPUT") result.bounds.badInput++;
      if (actual.code === "LIMIT_REACHED") result.bounds.ceilings++;
    }
  };
  switch (op.kind) {
    case "track": {
      const i = await input(op.t);
      const r = await client(deps, op, result, () => trackUsage(deps, i));
      return single(expected as Outcome, r, r.value?.replayed, r.value?.event.cost);
    }
    case "batch": {
      const inputs = await Promise.all(op.items.map(input));
      const r = await client(deps, op, result, () => trackUsageBatch(deps, inputs));
      if (r.code) return violate(`the whole batch failed with ${r.code}`, op);
      (expected as Outcome[]).forEach((e, n) => {
        const el = r.value![n]!;
        const a = el.ok
          ? {
              ok: true,
              replayed: el.payload.replayed,
              ...(el.payload.event.cost !== undefined ? { cost: el.payload.event.cost } : {}),
            }
          : { ok: false, code: el.errorCode };
        if (!outcomeMatches(e, a, r.retried, "batch"))
          violate(`element ${n}: expected ${show(e)}, got ${show(a)}${r.retried ? " (after a client retry)" : ""}`, op);
      });
      return;
    }
    case "check": {
      const r = await client(deps, op, result, () => checkEntitlement(deps, op.customerId, op.feature, dec(op.amount)));
      const e = expected as { allowed: boolean; reason?: string };
      const a = r.code
        ? { code: r.code }
        : { allowed: r.value!.allowed, ...(r.value!.reason ? { reason: r.value!.reason } : {}) };
      if (show(a) !== show(e)) violate(`expected ${show(e)}, got ${show(a)}`, op);
      return;
    }
    case "pack":
      return single(
        expected as Outcome,
        await client(
          deps,
          op,
          result,
          (): Promise<unknown> =>
            op.request
              ? requestCreditPackPurchase(deps, op.customerId, op.pack, op.key)
              : purchaseCreditPack(deps, op.customerId, op.pack, op.key),
        ),
      );
    case "topup":
      return single(
        expected as Outcome,
        await client(
          deps,
          op,
          result,
          (): Promise<unknown> =>
            op.request
              ? requestTopUp(deps, op.customerId, dec(op.amount), op.key)
              : topUpBalance(deps, op.customerId, dec(op.amount), op.key),
        ),
      );
    case "pay": {
      // Chosen once, fault-free, as the void's target is (below): a retry pays the same invoice again.
      const invoices = await invoicesAfterClose(deps, op, result);
      const target = invoices.find((i) => i.grantOnPayment && !i.grant && i.status === "OPEN");
      const e = expected as Outcome;
      const modelHasOne = !(e.ok && "reversal" in e);
      if (!target || !modelHasOne) {
        if (target || modelHasOne)
          violate(`pay target: stored ${target?.number ?? "none"}, the model ${modelHasOne ? "one" : "none"}`, op);
        return;
      }
      return single(e, await client(deps, op, result, () => markInvoicePaid(deps, target.id)));
    }
    case "accountCredit": {
      const expiry = grantExpiry(op, clock);
      const r = await client(deps, op, result, () =>
        grantAccountCredit(deps, {
          customerId: op.customerId,
          amount: dec(op.amount),
          reason: "simulation",
          idempotencyKey: op.key,
          ...(expiry !== undefined ? { expiresAt: new Date(expiry) } : {}),
        }),
      );
      return single(expected as Outcome, r);
    }
    case "subscribe":
      return single(
        expected as Outcome,
        await client(deps, op, result, () =>
          subscribe(deps, op.customerId, op.plan, op.trialDays ? { trialDays: op.trialDays } : {}),
        ),
      );
    case "coupon": {
      const code = op.code;
      return single(
        expected as Outcome,
        await client(deps, op, result, () =>
          code ? applyCoupon(deps, op.customerId, code) : removeCoupon(deps, op.customerId),
        ),
      );
    }
    case "change":
      return single(
        expected as Outcome,
        await client(deps, op, result, () => changePlan(deps, op.customerId, op.plan, op.timing)),
      );
    case "cancel":
      return single(
        expected as Outcome,
        await client(deps, op, result, () => cancelSubscription(deps, op.customerId, op.timing, op.prorate)),
      );
    case "void": {
      // The invoice is chosen once, fault-free, as the model chose it: a retry after an ambiguous
      // failure must void the same invoice again (a no-op), not the next one. The model closed
      // ended periods when its clock moved; the product closes them at the customer's next write,
      // so the choice is made after that close.
      const invoices = await invoicesAfterClose(deps, op, result);
      const target =
        op.which === "any"
          ? invoices[0]
          : op.which === "credit"
            ? invoices.find((i) => i.status === "OPEN" && i.lines.some((l) => l.kind === "ACCOUNT_CREDIT"))
            : invoices.find((i) => (i.grant !== undefined || i.grantOnPayment) && i.status === "OPEN");
      const e = expected as Outcome;
      if (!target || (e.ok && e.reversal === undefined)) {
        if (target || !(e.ok && e.reversal === undefined))
          violate(
            `void target: stored ${target?.number ?? "none"}, the model ${e.ok && e.reversal === undefined ? "none" : "one"}`,
            op,
          );
        return;
      }
      const r = await client(deps, op, result, () => voidInvoice(deps, target.id));
      if (r.code) return single(e, r);
      const got = r.value!.reversal;
      const want = e.ok ? e.reversal : undefined;
      const shown = got ? { granted: got.granted, unspent: got.unspent, spent: got.spent } : null;
      if (!e.ok || show(shown) !== show(want ?? null))
        violate(`void of ${target.number}: expected ${show(e)}, got reversal ${show(shown)}`, op);
      const returned = r.value!.accountCreditReturned ?? null;
      if (e.ok && show(returned) !== show(e.creditReturned ?? null))
        violate(`void of ${target.number}: credit returned ${show(returned)}, model ${show(e.creditReturned)}`, op);
      return;
    }
    case "advance": {
      const to = new Date((await now()) + op.ms);
      const r = await client(deps, op, result, async () => {
        // A retry after a lost reply finds the clock already there: that is success too.
        if ((await deps.clock.now()).getTime() >= to.getTime()) return to;
        return deps.clock.advance(to);
      });
      if (r.code) return violate(`advanceClock answered ${r.code}`, op);
      if (!op.sweep) return;
      const sweep = await client(deps, op, result, () => closeDuePeriods(deps, { concurrency: 4 }));
      result.sweeps.closed += sweep.value?.closed ?? 0;
      result.sweeps.failed += sweep.value?.failed ?? 0;
      return;
    }
    case "whale": {
      const i = await input(op.t);
      const r = await client(deps, op, result, () => trackUsage(deps, i));
      return single(expected as Outcome, r, r.value?.replayed, r.value?.event.cost);
    }
    case "oversize": {
      const base = {
        customerId: op.customerId,
        feature: "api_calls",
        idempotencyKey: op.key,
        value: MAX_EVENT_VALUE + S,
      };
      const call: () => Promise<unknown> =
        op.what === "topup"
          ? () => topUpBalance(deps, op.customerId, MAX_TOP_UP + S / 100n, op.key)
          : op.what === "quote"
            ? () => quote(deps, base)
            : () => trackUsage(deps, base);
      return single(expected as Outcome, await client(deps, op, result, call));
    }
    case "reserve": {
      const { timestamp: _none, ...i } = await input(op.t);
      return single(
        expected as Outcome,
        await client(deps, op, result, () => reserveUsage(deps, { ...i, ttlSeconds: op.ttlSeconds })),
      );
    }
    case "settle": {
      const {
        customerId,
        feature: _f,
        idempotencyKey,
        model: _m,
        timestamp: _t,
        ...actual
      } = (await input(op.t)) as Record<string, unknown>;
      const id = reservationId(customerId as string, idempotencyKey as string);
      const r = await client(deps, op, result, () => settleReservation(deps, id, actual));
      return single(expected as Outcome, r, r.value?.replayed, r.value?.event.cost, r.value?.capped);
    }
    case "release":
      return single(
        expected as Outcome,
        await client(deps, op, result, () => releaseReservation(deps, reservationId(op.customerId, op.key))),
      );
    case "baddate":
      return single(
        expected as Outcome,
        await client(deps, op, result, () =>
          graphql(deps, `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`, {
            i: { customerId: op.customerId, feature: "api_calls", idempotencyKey: op.key, timestamp: op.timestamp },
          }),
        ),
      );
    case "grant": {
      const { expiresAt } = decided.get(op)!;
      const input = {
        customerId: op.customerId,
        credits: dec(op.credits),
        reason: "simulation",
        idempotencyKey: op.key,
        ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt) } : {}),
      };
      return single(expected as Outcome, await client(deps, op, result, () => grantCredits(deps, input)));
    }
    case "adjust": {
      const { delta, customerId, at } = decided.get(op)!;
      const input = {
        customerId: customerId ?? op.customerId,
        feature: op.feature,
        delta: delta!,
        reason: op.reason,
        idempotencyKey: op.key,
        ...(at !== undefined ? { timestamp: new Date(at) } : {}),
      };
      return single(expected as Outcome, await client(deps, op, result, () => adjustUsage(deps, input)));
    }
    case "seats": {
      const input = { customerId: op.customerId, feature: op.feature, count: dec(op.amount), idempotencyKey: op.key };
      return single(expected as Outcome, await client(deps, op, result, () => setSeats(deps, input)));
    }
    case "quota": {
      const input = { customerId: op.customerId, feature: op.feature, delta: dec(op.amount), idempotencyKey: op.key };
      return single(expected as Outcome, await client(deps, op, result, () => adjustQuota(deps, input)));
    }
    case "attach": {
      const input = { customerId: op.customerId, addOnCode: op.addOn, quantity: op.quantity, idempotencyKey: op.key };
      return single(expected as Outcome, await client(deps, op, result, () => attachAddOn(deps, input)));
    }
    case "detach":
      return single(
        expected as Outcome,
        await client(deps, op, result, () => detachAddOn(deps, op.customerId, op.addOn)),
      );
    case "delete":
      return single(expected as Outcome, await client(deps, op, result, () => deleteCustomer(deps, op.customerId)));
    case "migrate": {
      // Called until it answers 0, each call its own request (its own faults): a call that failed
      // after moving some leaves the rest to the next. Each subscriber is moved once (the state
      // check); the counts answered add up to the model's unless a failed call's moves went unanswered.
      const want = (expected as { moved: number }).moved;
      let moved = 0;
      let retried = false;
      for (let call = 0; ; call++) {
        if (call > 60) return violate(`still moving after ${call} calls (${moved} moved, the model ${want})`, op);
        const r = await client(deps, { ...op, id: 2_000_000 + op.id * 64 + call }, result, () =>
          migrateSubscribers(deps, op.from, op.to, op.timing, op.limit ? { limit: op.limit } : {}),
        );
        if (r.code) return violate(`migrateSubscribers answered ${r.code}`, op);
        retried ||= r.retried;
        if (op.limit && r.value! > op.limit) return violate(`moved ${r.value} with a limit of ${op.limit}`, op);
        if (r.value === 0) break;
        moved += r.value!;
      }
      if (moved > want || (!retried && moved !== want))
        violate(`moved ${moved}${retried ? " (after a client retry)" : ""}, the model ${want}`, op);
      return;
    }
    case "reprice": {
      const r = await client(deps, op, result, () => upsertAiModel(deps, aiModelInput(op.model, op.price)));
      result.reprices++;
      if (r.code) return violate(`upsertAiModel answered ${r.code}`, op);
      const want = aiPrice(op.price);
      const got = {
        input: r.value!.input,
        output: r.value!.output,
        ...(r.value!.cacheRead !== undefined ? { cacheRead: r.value!.cacheRead } : {}),
      };
      if (show(got) !== show(want)) violate(`upsertAiModel stored ${show(got)}, asked ${show(want)}`, op);
      return;
    }
  }
}

/**
 * A request through the run's own GraphQL face, in process: a domain error comes back as a
 * DomainError (a final answer), a masked unexpected one as a plain error (the client retries).
 */
async function graphql(deps: Deps, query: string, variables: Record<string, unknown>): Promise<unknown> {
  let yoga = yogas.get(deps);
  if (!yoga) {
    yoga = createBillingYoga({ deps, apiKey: BOUNDS_KEY, auditLog: () => undefined });
    yogas.set(deps, yoga);
  }
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${BOUNDS_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const error = body.errors?.[0];
  if (!error) return body.data;
  const code = error.extensions?.code;
  if (code && code !== "INTERNAL_SERVER_ERROR") throw new DomainError(code as ErrorCode, error.message);
  throw new Error(error.message);
}

/** Runs the sweeper (still under faults) until nothing due is left and nothing failed. */
async function settle(deps: FaultyDeps, result: RunResult) {
  for (let round = 0; round < 20; round++) {
    try {
      const r = await deps.faults.run(0x40000000 + round, () => closeDuePeriods(deps, { concurrency: 4 }));
      result.sweeps.closed += r.closed;
      result.sweeps.failed += r.failed;
      if (r.failed === 0 && r.complete && r.found === 0) return;
    } catch {
      result.clientRetries++;
    }
  }
  throw new Violation("the sweeper did not settle in 20 runs");
}

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The stored state, read through core, against the model: every customer, every invoice, the numbering. */
async function compare(deps: FaultyDeps, model: BillingModel, violate: (m: string) => void, final?: RunResult) {
  // Work a call left running after it answered decides later than its caller saw (found: a failed
  // batch's other customers, seed 303): caught here whether or not it changed the outcome this time.
  const late = deps.faults.late;
  if (late.length) violate(`${late.length} DynamoDB requests sent after their call had answered, first: ${late[0]}`);
  const clock = (await deps.clock.now()).getTime();
  if (clock !== model.now) violate(`clock at ${iso(clock)}, model at ${iso(model.now)}`);
  const numbers: string[] = [];
  let events = 0;
  for (const id of [...CUSTOMERS, ...WHALES]) {
    const c = model.customers.get(id)!;
    const { wallet, plan } = await currentWallet(deps, id);
    const sub = wallet.subscription;
    const expectedSub = c.sub && {
      planCode: c.sub.planCode,
      status: c.sub.status,
      periodStart: iso(c.sub.periodStart),
      periodEnd: iso(c.sub.periodEnd),
      cancelAtPeriodEnd: c.sub.cancelAtPeriodEnd,
      scheduledPlanCode: c.sub.scheduledPlanCode,
      trialing: c.sub.trialing === true,
      coupon: c.sub.coupon ? [c.sub.coupon.coupon.code, c.sub.coupon.remaining ?? null] : null,
      // In the product's order (when attached, then code: core/wallet.ts byAttachment), which the
      // model keeps too: the wallet's map has no order, every read sorts.
      addOns: (c.sub.addOns ?? []).map((a) => `${a.code}x${a.quantity}${a.detaching ? " detaching" : ""}`),
    };
    const actualSub = sub && {
      planCode: sub.planCode,
      status: sub.status,
      periodStart: sub.periodStart,
      periodEnd: sub.periodEnd,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      scheduledPlanCode: sub.scheduledPlanCode,
      trialing: sub.trialing === true,
      coupon: sub.coupon ? [sub.coupon.code, sub.coupon.remainingCycles ?? null] : null,
      addOns: (sub.addOns ?? []).map((a) => `${a.code}x${a.quantity}${a.detaching ? " detaching" : ""}`),
    };
    if (show(actualSub) !== show(expectedSub))
      violate(`${id}: subscription ${show(actualSub)}, model ${show(expectedSub)}`);
    const erased = (await getCustomer(deps.db, id))?.deletedAt !== undefined;
    if (erased !== (c.deleted === true)) violate(`${id}: deleted ${erased}, model ${c.deleted === true}`);
    const view = Object.fromEntries(
      Object.entries(walletView(wallet, plan?.model)).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    if (show(view) !== show(model.walletView(id)))
      violate(`${id}: wallet ${show(view)}, model ${show(model.walletView(id))}`);
    const credit = creditLeft(liveGrants(wallet.creditGrants, new Date(model.now)));
    if (credit !== model.accountCredit(c)) violate(`${id}: account credit ${credit}, model ${model.accountCredit(c)}`);
    // Credits go below zero only by a voided pack that was spent, or a hold carried into a smaller grant: the model has it too.
    if (wallet.credits < 0n && model.creditsAvailable(c) >= 0n) violate(`${id}: credits negative: ${wallet.credits}`);
    const usage = (m: Iterable<[string, bigint]>) => show([...m].filter(([, v]) => v !== 0n).sort());
    const used = Object.keys(wallet.usage).map((f): [string, bigint] => [f, usedOf(wallet, f)]);
    if (usage(used) !== usage(c.usage)) violate(`${id}: usage ${usage(used)}, model ${usage(c.usage)}`);
    const heldUsage = [...new Set([...c.reservations.values()].map((h) => h.feature))].map((f): [string, bigint] => [
      f,
      model.heldUsage(c, f),
    ]);
    if (usage(Object.entries(wallet.heldUsage)) !== usage(heldUsage))
      violate(`${id}: held units ${usage(Object.entries(wallet.heldUsage))}, model ${usage(heldUsage)}`);
    // Every reservation in the model's status (one past its expiry is given back by the sweep before
    // this), as the listings answer it (a settle may leave a stored HELD: core/reservations/settle.ts).
    const statuses = (await Promise.all(RESERVATION_STATUSES.map((status) => customerReservations(deps, id, status))))
      .flat()
      .map((r) => `${r.idempotencyKey}:${r.status}`)
      .sort();
    const wantedStatuses = [...c.reservations.values()].map((h) => `${h.key}:${h.status}`).sort();
    if (show(statuses) !== show(wantedStatuses))
      violate(`${id}: reservations ${show(statuses)}, model ${show(wantedStatuses)}`);
    // A stored HELD whose open-hold entry is gone was settled by its entry: its usage event is there.
    for (const r of await listReservations(deps.db, id))
      if (
        r.status === "HELD" &&
        !Object.hasOwn(wallet.holds ?? {}, r.idempotencyKey) &&
        !(await getEvent(deps.db, id, r.idempotencyKey))
      )
        violate(`${id}: reservation ${r.idempotencyKey} stored HELD, not open, and no event`);
    // The wallet's open holds are exactly the held reservations (core/README.md "Open holds on the wallet").
    const open = Object.keys(wallet.holds ?? {}).sort();
    const wantedOpen = [...c.reservations.values()]
      .filter((h) => h.status === "HELD")
      .map((h) => h.key)
      .sort();
    if (show(open) !== show(wantedOpen)) violate(`${id}: open holds ${show(open)}, model ${show(wantedOpen)}`);

    const levels = (m: Iterable<[string, bigint]>) => show([...m].sort());
    for (const [what, got, want] of [
      ["levels", Object.entries(wallet.levels ?? {}), c.levels],
      ["peaks", Object.entries(wallet.peaks ?? {}), c.peaks],
    ] as const)
      if (levels(got) !== levels(want)) violate(`${id}: ${what} ${levels(got)}, model ${levels(want)}`);

    // Every accepted event stored exactly once, with the model's value, charge and period.
    const stored: string[] = [];
    for (let after: string | undefined, more = true; more; ) {
      const page = await listEvents(deps.db, id, 100, after ? decodeCursor(id, after) : undefined);
      for (const { event: e } of page.events)
        stored.push(show([e.idempotencyKey, e.feature, e.value, e.cost ?? null, e.credits ?? null, e.periodStart]));
      more = page.hasNextPage;
      after = page.events.at(-1)?.cursor;
    }
    const expectedEvents = [...c.events.values()].map((e) =>
      show([e.key, e.feature, e.value, e.cost ?? null, e.credits ?? null, iso(e.periodStart)]),
    );
    events += expectedEvents.length;
    if (show(stored.sort()) !== show(expectedEvents.sort())) {
      const missing = expectedEvents.filter((e) => !stored.includes(e));
      const extra = stored.filter((e) => !expectedEvents.includes(e));
      violate(
        `${id}: events differ: missing ${show(missing.slice(0, 5))}, unexpected ${show(extra.slice(0, 5))} (${stored.length} stored, ${expectedEvents.length} in the model)`,
      );
    }

    // Each period invoiced exactly once; lines equal to the cent.
    const invoices = await listInvoices(deps.db, id);
    numbers.push(...invoices.map((i) => i.number));
    type Line = {
      kind: string;
      feature?: string;
      quantity: bigint;
      unitPrice: bigint;
      amount: bigint;
      periodStart?: string;
      periodEnd?: string;
    };
    const canon = (i: {
      periodStart?: string;
      periodEnd?: string;
      lines: Line[];
      total: bigint;
      status: string;
      reversal?: { granted: bigint; unspent: bigint; spent: bigint };
      grant?: { kind: string; value: bigint };
      creditReturned?: bigint;
    }) =>
      show([
        i.periodStart ?? null,
        i.periodEnd ?? null,
        i.total,
        i.status,
        i.grant ? [i.grant.kind, i.grant.value] : null,
        i.reversal ? [i.reversal.granted, i.reversal.unspent, i.reversal.spent] : null,
        i.creditReturned ?? null,
        i.lines.map((l) => [
          l.kind,
          l.feature ?? null,
          l.quantity,
          l.unitPrice,
          l.amount,
          l.periodStart ?? null,
          l.periodEnd ?? null,
        ]),
      ]);
    const actual = invoices
      .map(({ grant, accountCreditReturned, ...i }) =>
        canon({
          ...i,
          ...(accountCreditReturned !== undefined ? { creditReturned: accountCreditReturned } : {}),
          ...(grant
            ? { grant: { kind: grant.kind, value: grant.kind === "CREDIT_PACK" ? grant.credits : grant.amount } }
            : {}),
        }),
      )
      .sort();
    const wanted = model.invoices
      .filter((i) => i.customerId === id)
      .map((i) =>
        canon({
          ...i,
          periodStart: iso(i.periodStart),
          periodEnd: iso(i.periodEnd),
          lines: i.lines.map((l) => ({ ...l, periodStart: iso(l.periodStart), periodEnd: iso(l.periodEnd) })),
        }),
      )
      .sort();
    if (show(actual) !== show(wanted)) {
      const missing = wanted.filter((e) => !actual.includes(e));
      const extra = actual.filter((e) => !wanted.includes(e));
      violate(
        `${id}: invoices differ: missing ${show(missing.slice(0, 4))}, unexpected ${show(extra.slice(0, 4))} (${actual.length} stored, ${wanted.length} in the model)`,
      );
    }
  }
  // Every coupon redeemed exactly as often as the model says (maxRedemptions included).
  for (const coupon of await listCoupons(deps, true)) {
    const wanted = model.coupons.get(coupon.code)?.redemptions;
    if (coupon.redemptions !== wanted)
      violate(`coupon ${coupon.code}: ${coupon.redemptions} redemptions, model ${wanted}`);
  }
  // Gapless, unique numbers: exactly INV-000001 .. INV-<n>, n = the model's invoice count.
  const sorted = numbers.sort();
  const expectedNumbers = model.invoices.map((_, n) => `INV-${String(n + 1).padStart(6, "0")}`);
  if (show(sorted) !== show(expectedNumbers))
    violate(
      `invoice numbers are not gapless 1..${expectedNumbers.length}: ${sorted.length} invoices, first gap or duplicate near ${sorted.find((n, k) => n !== expectedNumbers[k]) ?? "the end"}`,
    );
  if (final) {
    final.invoices = sorted.length;
    final.events = events;
    final.aiEvents = [...model.customers.values()].reduce(
      (n, c) => n + [...c.events.values()].filter((e) => e.feature === AI_FEATURE).length,
      0,
    );
    final.money = {
      prorations: model.invoices.filter((i) => i.lines.some((l) => l.kind === "PRORATION")).length,
      creditedToAccount: model.invoices.filter((i) => i.lines.reduce((a, l) => a + l.amount, 0n) < 0n).length,
      reversals: model.invoices.filter((i) => i.reversal).length,
      reversalsWithDebt: model.invoices.filter((i) => i.reversal && i.reversal.spent > 0n).length,
      paidRequests: model.invoices.filter((i) => i.pending && i.status === "PAID").length,
      voidedRequests: model.invoices.filter((i) => i.pending && i.status === "VOID").length,
      accountCreditApplied: model.invoices.filter((i) => i.lines.some((l) => l.kind === "ACCOUNT_CREDIT")).length,
      creditReturned: model.invoices.filter((i) => i.creditReturned !== undefined).length,
      discounted: model.invoices.filter((i) => i.lines.some((l) => l.kind === "DISCOUNT")).length,
      trialsConverted: model.trialsConverted,
    };
    const holds = [...model.customers.values()].flatMap((c) => [...c.reservations.values()]);
    const count = (status: string) => holds.filter((h) => h.status === status).length;
    final.reservations = {
      held: count("HELD"),
      settled: count("SETTLED"),
      released: count("RELEASED"),
      expired: count("EXPIRED"),
      capped: holds.filter((h) => h.settled?.capped).length,
    };
    final.holdCoverage = { ...model.holdCoverage };
    // What a crash or a failed publish left in the outbox is published by the sweeper: none left.
    await closeDuePeriods(deps);
    const left = await listUnpublished(deps.db);
    if (left.length) violate(`${left.length} items still have unpublished events after a fault-free sweep`);
    const published = new Set(deps.publisher.published.map((e) => e.id));
    const unannounced = sorted.filter((n) => !published.has(`invoice.created:${n}`));
    if (unannounced.length) violate(`invoices never published: ${unannounced.slice(0, 5).join(", ")}`);
    // Exactly the threshold events the model fired (duplicates of one id are at-least-once publishing).
    const thresholds = [...published].filter((id) =>
      /^(usage\.threshold_reached|credits\.low|balance\.low|alert\.triggered):/.test(id),
    );
    const wanted = new Set(model.fired);
    const missing = [...wanted].filter((id) => !published.has(id));
    const extra = thresholds.filter((id) => !wanted.has(id));
    if (missing.length || extra.length || wanted.size !== model.fired.length)
      violate(`threshold events differ: missing ${show(missing.slice(0, 4))}, unexpected ${show(extra.slice(0, 4))}`);
    final.thresholds = model.fired.length;
  }
}

/** The ops of `ops` that, run alone, still fail; bounded delta debugging (ddmin) over the list. */
export async function shrink(
  ops: Op[],
  fails: (ops: Op[]) => Promise<boolean>,
  budget: { runs: number; ms: number },
  log: (line: string) => void = () => {},
): Promise<Op[]> {
  const deadline = Date.now() + budget.ms;
  let runs = 0;
  let current = ops;
  let n = 2;
  while (current.length >= 2 && runs < budget.runs && Date.now() < deadline) {
    const size = Math.ceil(current.length / n);
    let reduced = false;
    for (let start = 0; start < current.length && runs < budget.runs && Date.now() < deadline; start += size) {
      const complement = [...current.slice(0, start), ...current.slice(start + size)];
      runs++;
      if (await fails(complement)) {
        current = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        log(`shrink: ${current.length} ops still fail (${runs} runs)`);
        break;
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, n * 2);
    }
  }
  return current;
}
