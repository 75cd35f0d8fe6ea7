/**
 * The API-key groups for what a subscription carries beyond its plan: add-ons (`addOns`), seat and
 * quota levels (`seats`, `quotas`) and coupons (`coupons`). All ADMIN operations.
 *
 * Retries (transport.ts): attachAddOn, setSeats and adjustQuota are keyed (a generated key when none
 * is given, the same on every retry). detachAddOn, archiveCoupon, applyCoupon (the coupon it holds)
 * and removeCoupon are idempotent by state in the API, and reads are reads: all retried as they are.
 * createAddOn and createCoupon have no key: when an attempt's answer was lost and the retry is refused
 * as ALREADY_EXISTS, the client reads the catalogue and returns the stored item if it has exactly the
 * terms asked for (`reconcile`); otherwise the refusal is thrown.
 */
import {
  AddOnsDocument,
  type AddOnFields,
  AdjustQuotaDocument,
  ApplyCouponDocument,
  ArchiveCouponDocument,
  AttachAddOnDocument,
  CouponsDocument,
  type CouponFields,
  CreateAddOnDocument,
  type CreateAddOnInput,
  CreateCouponDocument,
  type CreateCouponInput,
  DetachAddOnDocument,
  type LevelUsageFields,
  RemoveCouponDocument,
  SetSeatsDocument,
  type SubscriptionFields,
} from "./generated.js";
import type { BillingError } from "./errors.js";
import { newIdempotencyKey } from "./ids.js";
import { type CallOptions, execute, type TransportConfig } from "./transport.js";

export type AddOn = AddOnFields;
/** An add-on on a subscription (`Subscription.addOns`): with `quantity`, and `endsAt` once detached. */
export type AttachedAddOn = SubscriptionFields["addOns"][number];
export type Coupon = CouponFields;
/** A SEATS or QUOTA feature after setSeats / adjustQuota: `current` the level now, `peak` this period's (for seats: paid for). */
export type LevelUsage = LevelUsageFields;
export type CreateCouponRequest = Omit<CreateCouponInput, "expiresAt"> & { expiresAt?: string | Date | null };

export type AddOnMethods = {
  /** A new add-on (createAddOn): a price per period plus units, credits or money, or a BOOLEAN feature; immutable. */
  create(input: CreateAddOnInput, options?: CallOptions): Promise<AddOn>;
  list(input?: { includeArchived?: boolean }, options?: CallOptions): Promise<AddOn[]>;
  /**
   * attachAddOn: its price pro rata for the rest of the period on an ADD_ON invoice at once (account
   * credit applied), its whole grant at once; `quantity` 1 to 1,000 (default 1). Keyed: a generated
   * key is reused on every retry. Answers the subscription.
   */
  attach(
    input: { customerId: string; addOnCode: string; quantity?: number; idempotencyKey?: string },
    options?: CallOptions,
  ): Promise<SubscriptionFields>;
  /** detachAddOn: it ends with the current period (nothing given back); again: no-op. */
  detach(input: { customerId: string; addOnCode: string }, options?: CallOptions): Promise<SubscriptionFields>;
};

export type SeatMethods = {
  /**
   * setSeats: a whole number of seats; seats beyond what the period has paid for are invoiced at once,
   * pro rata (account credit applied); fewer take effect at the next period. Keyed like `attach`.
   */
  set(
    input: { customerId: string; feature: string; count: string | number; idempotencyKey?: string },
    options?: CallOptions,
  ): Promise<LevelUsage>;
};

export type QuotaMethods = {
  /** adjustQuota: moves a QUOTA level by a signed delta, never below zero nor above its limit. Keyed like `attach`. */
  adjust(
    input: { customerId: string; feature: string; delta: string | number; idempotencyKey?: string },
    options?: CallOptions,
  ): Promise<LevelUsage>;
};

export type CouponMethods = {
  /** createCoupon: a discount of the base fee, `percentOffBps` or `amountOff`, ONCE, REPEATING or FOREVER. */
  create(input: CreateCouponRequest, options?: CallOptions): Promise<Coupon>;
  /** archiveCoupon: ends new redemptions (subscriptions holding it keep it); again: no-op. */
  archive(code: string, options?: CallOptions): Promise<Coupon>;
  list(input?: { includeArchived?: boolean }, options?: CallOptions): Promise<Coupon[]>;
  /** applyCoupon: from the next base fee on (one redemption); the coupon it holds changes nothing; another replaces it. */
  apply(input: { customerId: string; couponCode: string }, options?: CallOptions): Promise<SubscriptionFields>;
  /** removeCoupon: drops the subscription's coupon (no redemption given back); without one, no-op. */
  remove(input: { customerId: string }, options?: CallOptions): Promise<SubscriptionFields>;
};

export function addOnMethods(config: TransportConfig): AddOnMethods {
  const list: AddOnMethods["list"] = async (input = {}, call) =>
    (await execute(config, AddOnsDocument, input, call)).addOns;
  return {
    async create(input, call) {
      const reconcile = alreadyDone(async () => {
        const stored = (await list({ includeArchived: true }, call)).find((a) => a.code === input.code);
        return stored && sameTerms({ currency: "USD", ...input }, stored) ? { createAddOn: stored } : undefined;
      });
      return (await execute(config, CreateAddOnDocument, { input }, { ...call, reconcile })).createAddOn;
    },
    list,
    async attach(input, call) {
      const variables = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
      return (await execute(config, AttachAddOnDocument, variables, call)).attachAddOn;
    },
    async detach(input, call) {
      return (await execute(config, DetachAddOnDocument, input, call)).detachAddOn;
    },
  };
}

export function levelMethods(config: TransportConfig): { seats: SeatMethods; quotas: QuotaMethods } {
  return {
    seats: {
      async set(input, call) {
        const variables = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
        return (await execute(config, SetSeatsDocument, variables, call)).setSeats;
      },
    },
    quotas: {
      async adjust(input, call) {
        const variables = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
        return (await execute(config, AdjustQuotaDocument, variables, call)).adjustQuota;
      },
    },
  };
}

export function couponMethods(config: TransportConfig): CouponMethods {
  const list: CouponMethods["list"] = async (input = {}, call) =>
    (await execute(config, CouponsDocument, input, call)).coupons;
  return {
    async create(request, call) {
      const { expiresAt, ...rest } = request;
      const input: CreateCouponInput = {
        ...rest,
        ...(expiresAt != null
          ? { expiresAt: typeof expiresAt === "string" ? expiresAt : expiresAt.toISOString() }
          : {}),
      };
      const reconcile = alreadyDone(async () => {
        const stored = (await list({ includeArchived: true }, call)).find((c) => c.code === input.code);
        return stored && sameTerms(input, stored) ? { createCoupon: stored } : undefined;
      });
      return (await execute(config, CreateCouponDocument, { input }, { ...call, reconcile })).createCoupon;
    },
    async archive(code, call) {
      return (await execute(config, ArchiveCouponDocument, { code }, call)).archiveCoupon;
    },
    list,
    async apply(input, call) {
      return (await execute(config, ApplyCouponDocument, input, call)).applyCoupon;
    },
    async remove(input, call) {
      return (await execute(config, RemoveCouponDocument, input, call)).removeCoupon;
    },
  };
}

/** After a lost answer, an ALREADY_EXISTS may be the lost attempt's own work: `check` decides. */
const alreadyDone =
  <R>(check: () => Promise<R | undefined>) =>
  async (refusal: BillingError) =>
    refusal.code === "ALREADY_EXISTS" ? await check() : undefined;

/** Whether `stored` has every term `input` gives: decimals by value ("5" is "5.00"), instants by time. */
function sameTerms(input: object, stored: object): boolean {
  const held = stored as Record<string, unknown>;
  return Object.entries(input).every(([field, asked]) => asked == null || same(asked, held[field]));
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT/;

function same(asked: unknown, held: unknown): boolean {
  if (Array.isArray(asked))
    return Array.isArray(held) && asked.length === held.length && asked.every((a, i) => same(a, held[i]));
  const a = String(asked);
  const h = String(held);
  if (DECIMAL.test(a) && DECIMAL.test(h)) return canonical(a) === canonical(h);
  if (ISO_INSTANT.test(a) && ISO_INSTANT.test(h)) return Date.parse(a) === Date.parse(h);
  return a === h;
}

/** A decimal without trailing zeros ("5.00" and "5" are "5"). */
const canonical = (d: string) => (d.includes(".") ? d.replace(/0+$/, "").replace(/\.$/, "") : d);
