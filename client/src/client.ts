/**
 * `createBillingClient`: the typed methods, grouped as a backend thinks of them. With an API key
 * the whole set; with a customer token (a browser) only what a token may read, and the type says so.
 *
 * Operations keyed by an idempotency key (usage and its adjustments, credit packs, granted credits,
 * top-ups, attached add-ons, seats and quotas) get a generated key when the
 * caller gives none, the same on every retry; createCustomer is idempotent by id in the API. The
 * subscription changes have no key (subscribe, changePlan IMMEDIATE, cancel IMMEDIATE): they are
 * retried too, and when an attempt whose answer was lost had in fact been applied, the retry is
 * refused as "already done"; the client then reads the subscription and returns it if it is exactly
 * what was asked (see `reconcile` in transport.ts).
 */
import { type BatchItemResult, type BatchOptions, type TrackInput, trackBatch } from "./batch.js";
import type { BillingError } from "./errors.js";
import {
  AdjustUsageDocument,
  type AdjustUsageResult,
  type AiCostGroup,
  AiCostReportDocument,
  type AiCostReportResult,
  CancelSubscriptionDocument,
  type ChangeTiming,
  ChangePlanDocument,
  type CreateCustomerInput,
  CreateCustomerDocument,
  CreateCustomerTokenDocument,
  type CreateCustomerTokenResult,
  CreatePortalSessionDocument,
  type CreatePortalSessionResult,
  GrantCreditsDocument,
  type InvoicePreviewFields,
  PreviewPlanChangeDocument,
  UpcomingInvoiceDocument,
  UpdateCustomerDocument,
  type UpdateCustomerInput,
  CustomerDocument,
  type CustomerFields,
  CustomerInvoicesDocument,
  type CustomerResult,
  CustomerViewDocument,
  type CustomerViewResult,
  EntitlementDocument,
  type EntitlementFields,
  InvoiceDocument,
  type InvoiceFields,
  type PlanFields,
  PlansDocument,
  PlansViewDocument,
  type PlanViewFields,
  PurchaseCreditPackDocument,
  QuoteDocument,
  type QuoteResult,
  ReleaseReservationDocument,
  type ReservationFields,
  type ReserveUsageInput,
  ReserveUsageDocument,
  type SettleReservationInput,
  SettleReservationDocument,
  type SettleReservationResult,
  SubscribeDocument,
  type SubscriptionFields,
  TopUpBalanceDocument,
  TrackUsageDocument,
  type TrackUsagePayloadFields,
  type WalletFields,
} from "./generated.js";
import { newIdempotencyKey } from "./ids.js";
import {
  type AddOnMethods,
  addOnMethods,
  type CouponMethods,
  couponMethods,
  levelMethods,
  type QuotaMethods,
  type SeatMethods,
} from "./add-ons-seats-coupons.js";
import {
  type CallOptions,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  execute,
  type RetryOptions,
  type TransportConfig,
} from "./transport.js";

type CommonOptions = {
  /** The GraphQL endpoint, e.g. `https://billing.example.com/graphql`. */
  url: string;
  /** Deadline of one call, retries included; default 30,000 ms. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** A fetch implementation; default the global one. */
  fetch?: typeof fetch;
};

/** A backend: an API key (ADMIN, or INGEST for usage only). Keep it on the server. */
export type ApiKeyOptions = CommonOptions & { apiKey: string; customerToken?: never };

/**
 * A browser: a customer token minted by your backend (`customerTokens.create`), read-only and for
 * one customer; a function is called before each request, so it can return a refreshed token.
 */
export type CustomerTokenOptions = CommonOptions & {
  customerToken: string | (() => string | Promise<string>);
  apiKey?: never;
};

/** A customer as an API key reads it: `CustomerView` plus its email and metadata. */
export type Customer = NonNullable<CustomerResult["customer"]>;
/** A customer as its own token may read it (email and metadata are the merchant's, FORBIDDEN to a token). */
export type CustomerView = NonNullable<CustomerViewResult["customer"]>;
export type Entitlement = EntitlementFields;
export type TrackResult = TrackUsagePayloadFields;
export type Quote = QuoteResult["quote"];
export type Subscription = SubscriptionFields;
export type Wallet = WalletFields;
export type Invoice = InvoiceFields;
/** A plan as an API key reads it: `PlanView` plus each feature's `marginBps`. */
export type Plan = PlanFields;
/** A plan as a customer token may read it (margins are API-key fields). */
export type PlanView = PlanViewFields;
export type CustomerToken = CreateCustomerTokenResult["createCustomerToken"];
export type AiCostReport = AiCostReportResult["aiCostReport"];
/** An invoice not issued (yet): what a plan change would invoice, or the upcoming period close's invoice. */
export type InvoicePreview = InvoicePreviewFields;
export type PortalSession = CreatePortalSessionResult["createPortalSession"];
/** A feature's usage this period after a correction. */
export type FeatureUsage = AdjustUsageResult["adjustUsage"];
export type CheckInput = { customerId: string; feature: string; amount?: string | number };
export type Reservation = ReservationFields;
/** A reservation's request: like a track's, its key generated when none is given; `outputTokens` is the most the call may produce. */
export type ReserveInput = Omit<ReserveUsageInput, "idempotencyKey"> & { idempotencyKey?: string };
export type SettleInput = SettleReservationInput;
export type SettleResult = SettleReservationResult["settleReservation"];

/**
 * What a customer token may do: read its own customer, check its own entitlements, list plans. Its
 * queries ask only for what a token may read (no email, metadata or margins), so its answers are
 * `CustomerView` and `PlanView`; an API-key client's are their supersets.
 */
export type ReadOnlyBillingClient = {
  usage: {
    /** May this customer consume `amount` (default 1) of `feature` now? A denial is data, not an error. */
    check(input: CheckInput, options?: CallOptions): Promise<Entitlement>;
  };
  customers: {
    /** The customer with subscription, wallet, usage and entitlements; null when unknown. */
    get(id: string, options?: CallOptions): Promise<CustomerView | null>;
  };
  invoices: {
    /** All the customer's invoices, newest first, read in pages of 100 (`timeoutMs` applies to each page). */
    list(customerId: string, options?: CallOptions): Promise<Invoice[]>;
    get(id: string, options?: CallOptions): Promise<Invoice | null>;
  };
  plans: {
    list(input?: { includeArchived?: boolean }, options?: CallOptions): Promise<PlanView[]>;
  };
  subscriptions: {
    /**
     * What `changePlan` with these arguments would invoice: now (IMMEDIATE, default), or the renewal
     * invoice it leads to (PERIOD_END). Computed by the same code as the change; writes nothing.
     */
    previewChange(
      input: { customerId: string; planCode: string; timing?: ChangeTiming },
      options?: CallOptions,
    ): Promise<InvoicePreview>;
    /** The invoice the current period's close would issue if it ran now; null without an active subscription or when it would issue none. */
    upcomingInvoice(customerId: string, options?: CallOptions): Promise<InvoicePreview | null>;
  };
};

export type BillingClient = {
  usage: ReadOnlyBillingClient["usage"] & {
    /** Records one event exactly once (replays return `replayed: true`); refusals throw. */
    track(input: TrackInput, options?: CallOptions): Promise<TrackResult>;
    /** Any number of events, in requests of 100, in order; one result per event. */
    trackBatch(inputs: readonly TrackInput[], options?: BatchOptions): Promise<BatchItemResult[]>;
    /**
     * A signed correction of this period's usage of one feature (adjustUsage), recorded as an event
     * with its reason; never below zero. `timestamp` in an ended period still in its grace corrects
     * that period. Keyed: a generated key is reused on every retry. ADMIN.
     */
    adjust(
      input: {
        customerId: string;
        feature: string;
        delta: string | number;
        reason: string;
        idempotencyKey?: string;
        timestamp?: string | null;
      },
      options?: CallOptions,
    ): Promise<FeatureUsage>;
    /** What tracking this would cost, recording nothing. */
    quote(input: Omit<TrackInput, "idempotencyKey">, options?: CallOptions): Promise<Quote>;
    /**
     * Holds the worst case before expensive work (docs/reservations.md); refusals throw
     * (INSUFFICIENT_CREDITS, ...). The same key again returns the same reservation.
     */
    reserve(input: ReserveInput, options?: CallOptions): Promise<Reservation>;
    /** Records the actual usage and gives the hold back; the same input again replays. */
    settle(id: string, input: SettleInput, options?: CallOptions): Promise<SettleResult>;
    /** Gives the hold back, recording nothing; a reservation no longer held is answered as it is. */
    release(id: string, options?: CallOptions): Promise<Reservation>;
  };
  customers: {
    /** The customer with email, metadata, subscription, wallet, usage and entitlements; null when unknown. */
    get(id: string, options?: CallOptions): Promise<Customer | null>;
    create(input: CreateCustomerInput, options?: CallOptions): Promise<CustomerFields>;
    /** New name, email or metadata: a field left out stays, null removes it. */
    update(id: string, input: UpdateCustomerInput, options?: CallOptions): Promise<CustomerFields>;
  };
  subscriptions: ReadOnlyBillingClient["subscriptions"] & {
    subscribe(input: { customerId: string; planCode: string }, options?: CallOptions): Promise<Subscription>;
    /** IMMEDIATE (default): prorated now; PERIOD_END: at the next renewal. */
    changePlan(
      input: { customerId: string; planCode: string; timing?: ChangeTiming },
      options?: CallOptions,
    ): Promise<Subscription>;
    /**
     * PERIOD_END (default) or IMMEDIATE. `prorate: true` (IMMEDIATE only) credits the unused base fee
     * (basePrice x min(time left, grant left)); without it an immediate cancel credits nothing.
     */
    cancel(
      input: { customerId: string; timing?: ChangeTiming; prorate?: boolean },
      options?: CallOptions,
    ): Promise<Subscription>;
  };
  credits: {
    purchase(
      input: { customerId: string; packCode: string; idempotencyKey?: string },
      options?: CallOptions,
    ): Promise<Wallet>;
    /**
     * Free credits (grantCredits: goodwill, promotions) on a CREDITS plan, with a reason; with
     * `expiresAt` they expire (and are spent first). Keyed: a generated key is reused on every retry.
     */
    grant(
      input: {
        customerId: string;
        credits: string | number;
        reason: string;
        expiresAt?: string | Date;
        idempotencyKey?: string;
      },
      options?: CallOptions,
    ): Promise<Wallet>;
  };
  balance: {
    topUp(
      input: { customerId: string; amount: string | number; idempotencyKey?: string },
      options?: CallOptions,
    ): Promise<Wallet>;
  };
  customerTokens: {
    /** A read-only token for one customer's frontend; ttlSeconds 1 to 86,400 (default 3,600). */
    create(input: { customerId: string; ttlSeconds?: number }, options?: CallOptions): Promise<CustomerToken>;
  };
  portal: {
    /**
     * A link to the hosted customer portal (createPortalSession): redirect the customer's browser to
     * `url`. Its token lasts `ttlSeconds` (default 1,800, at most 7,200); `returnUrl` is the portal's
     * way back to your app (https in production).
     */
    createSession(
      input: { customerId: string; returnUrl?: string; ttlSeconds?: number },
      options?: CallOptions,
    ): Promise<PortalSession>;
  };
  invoices: ReadOnlyBillingClient["invoices"];
  plans: {
    list(input?: { includeArchived?: boolean }, options?: CallOptions): Promise<Plan[]>;
  };
  /** Add-ons: `create`, `list`, `attach` (keyed), `detach` (./add-ons-seats-coupons.ts). */
  addOns: AddOnMethods;
  /** SEATS features: `set` (setSeats, keyed). */
  seats: SeatMethods;
  /** QUOTA features: `adjust` (adjustQuota, keyed). */
  quotas: QuotaMethods;
  /** Coupons: `create`, `archive`, `list`, `apply`, `remove`. */
  coupons: CouponMethods;
  reports: {
    /**
     * AI usage over [from, to) grouped by MODEL (default), CUSTOMER, FEATURE or UTC DAY: calls,
     * tokens by kind, provider cost, billed and margin, with the total. An ADMIN key's report.
     * With `first` (1 to 100) and `after` (the page before's `pageInfo.endCursor`): a page of rows
     * in key order; `total` is still the whole range's.
     */
    aiCosts(
      input: { from: string | Date; to: string | Date; groupBy?: AiCostGroup; first?: number; after?: string },
      options?: CallOptions,
    ): Promise<AiCostReport>;
  };
};

export function createBillingClient(options: ApiKeyOptions): BillingClient;
export function createBillingClient(options: CustomerTokenOptions): ReadOnlyBillingClient;
export function createBillingClient(
  options: ApiKeyOptions | CustomerTokenOptions,
): BillingClient | ReadOnlyBillingClient {
  const credential = options.apiKey ?? options.customerToken;
  if (!options.url) throw new TypeError("createBillingClient: `url` is required");
  if (!credential) throw new TypeError("createBillingClient: give `apiKey` (a backend) or `customerToken` (a browser)");
  const config: TransportConfig = {
    url: options.url,
    credential,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...options.retry },
  };
  const readOnly = readOnlyMethods(config);
  // A customer token gets only what it may use: the methods are absent, not failing at run time.
  if (options.apiKey === undefined) return readOnly;
  return {
    usage: { ...readOnly.usage, ...usageMethods(config) },
    customers: {
      async get(id, call) {
        return (await execute(config, CustomerDocument, { id }, call)).customer;
      },
      // The API makes this idempotent by id (the same input returns the stored customer): safe to retry.
      async create(input, call) {
        return (await execute(config, CreateCustomerDocument, { input }, call)).createCustomer;
      },
      // Sets fields to given values: the same request again changes nothing more, so it is safe to retry.
      async update(id, input, call) {
        return (await execute(config, UpdateCustomerDocument, { id, input }, call)).updateCustomer;
      },
    },
    subscriptions: subscriptionMethods(config, readOnly),
    credits: {
      async purchase(input, call) {
        const variables = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
        return (await execute(config, PurchaseCreditPackDocument, variables, call)).purchaseCreditPack;
      },
      async grant(input, call) {
        const { expiresAt, ...rest } = input;
        const variables = {
          ...rest,
          ...(expiresAt !== undefined ? { expiresAt: iso(expiresAt) } : {}),
          idempotencyKey: input.idempotencyKey ?? newIdempotencyKey(),
        };
        return (await execute(config, GrantCreditsDocument, variables, call)).grantCredits;
      },
    },
    balance: {
      async topUp(input, call) {
        const variables = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
        return (await execute(config, TopUpBalanceDocument, variables, call)).topUpBalance;
      },
    },
    customerTokens: {
      // Minting a token changes nothing on the server: always safe to retry.
      async create(input, call) {
        return (await execute(config, CreateCustomerTokenDocument, input, call)).createCustomerToken;
      },
    },
    portal: {
      // A session changes nothing on the server (it is a signed token): always safe to retry.
      async createSession(input, call) {
        return (await execute(config, CreatePortalSessionDocument, input, call)).createPortalSession;
      },
    },
    invoices: readOnly.invoices,
    plans: {
      async list(input = {}, call) {
        return (await execute(config, PlansDocument, input, call)).plans;
      },
    },
    addOns: addOnMethods(config),
    ...levelMethods(config),
    coupons: couponMethods(config),
    reports: {
      // A read: always safe to retry.
      async aiCosts(input, call) {
        const { groupBy, first, after } = input;
        const variables = { from: iso(input.from), to: iso(input.to), groupBy, first, after };
        return (await execute(config, AiCostReportDocument, variables, call)).aiCostReport;
      },
    },
  };
}

const iso = (d: string | Date) => (typeof d === "string" ? d : d.toISOString());

/** The API's largest page of `customer.invoices`. */
const INVOICE_PAGE = 100;

function readOnlyMethods(config: TransportConfig): ReadOnlyBillingClient {
  return {
    usage: {
      async check(input, call) {
        return (await execute(config, EntitlementDocument, input, call)).entitlement;
      },
    },
    customers: {
      async get(id, call) {
        return (await execute(config, CustomerViewDocument, { id }, call)).customer;
      },
    },
    invoices: {
      async list(customerId, call) {
        const invoices: Invoice[] = [];
        // Page after page until one is short: the next starts after the last invoice's id.
        for (let after: string | undefined; ; ) {
          const variables = { id: customerId, first: INVOICE_PAGE, after };
          const page = (await execute(config, CustomerInvoicesDocument, variables, call)).customer?.invoices ?? [];
          invoices.push(...page);
          if (page.length < INVOICE_PAGE) return invoices;
          after = page.at(-1)!.id;
        }
      },
      async get(id, call) {
        return (await execute(config, InvoiceDocument, { id }, call)).invoice;
      },
    },
    plans: {
      async list(input = {}, call) {
        return (await execute(config, PlansViewDocument, input, call)).plans;
      },
    },
    subscriptions: {
      // Reads: always safe to retry.
      async previewChange(input, call) {
        return (await execute(config, PreviewPlanChangeDocument, input, call)).previewPlanChange;
      },
      async upcomingInvoice(customerId, call) {
        return (await execute(config, UpcomingInvoiceDocument, { customerId }, call)).upcomingInvoice;
      },
    },
  };
}

function usageMethods(config: TransportConfig) {
  return {
    async track(input: TrackInput, call?: CallOptions): Promise<TrackResult> {
      const variables = { input: { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() } };
      return (await execute(config, TrackUsageDocument, variables, call)).trackUsage;
    },
    trackBatch(inputs: readonly TrackInput[], call?: BatchOptions): Promise<BatchItemResult[]> {
      return trackBatch(config, inputs, call);
    },
    async adjust(input: Parameters<BillingClient["usage"]["adjust"]>[0], call?: CallOptions): Promise<FeatureUsage> {
      const variables = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
      return (await execute(config, AdjustUsageDocument, variables, call)).adjustUsage;
    },
    async quote(input: Omit<TrackInput, "idempotencyKey">, call?: CallOptions): Promise<Quote> {
      // The API's quote takes a whole event; its key is required by the input type and never stored.
      const variables = { input: { ...input, idempotencyKey: "quote" } };
      return (await execute(config, QuoteDocument, variables, call)).quote;
    },
    // Each is idempotent in the API (reserve by its key, settle by its input, release by status),
    // so retries with the same variables are safe.
    async reserve(input: ReserveInput, call?: CallOptions): Promise<Reservation> {
      const variables = { input: { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() } };
      return (await execute(config, ReserveUsageDocument, variables, call)).reserveUsage;
    },
    async settle(id: string, input: SettleInput, call?: CallOptions): Promise<SettleResult> {
      return (await execute(config, SettleReservationDocument, { id, input }, call)).settleReservation;
    },
    async release(id: string, call?: CallOptions): Promise<Reservation> {
      return (await execute(config, ReleaseReservationDocument, { id }, call)).releaseReservation;
    },
  };
}

function subscriptionMethods(config: TransportConfig, read: ReadOnlyBillingClient): BillingClient["subscriptions"] {
  /** After a lost answer: the subscription as it is, if it is what the call wanted. */
  const current = async (customerId: string, wanted: (s: Subscription) => boolean, call?: CallOptions) => {
    const subscription = (await read.customers.get(customerId, call))?.subscription;
    return subscription && wanted(subscription) ? subscription : undefined;
  };
  const onRefusal =
    <R>(codes: BillingError["code"][], check: () => Promise<R | undefined>) =>
    async (refusal: BillingError) =>
      codes.includes(refusal.code) ? await check() : undefined;
  return {
    ...read.subscriptions,
    async subscribe(input, call) {
      // A subscribe may start a free trial: TRIALING is as much "subscribed" as ACTIVE.
      const ours = (s: Subscription) => s.status !== "CANCELED" && s.plan.code === input.planCode;
      const reconcile = onRefusal(["ALREADY_EXISTS"], async () => {
        const s = await current(input.customerId, ours, call);
        return s && { subscribe: s };
      });
      return (await execute(config, SubscribeDocument, input, { ...call, reconcile })).subscribe;
    },
    async changePlan(input, call) {
      const ours = (s: Subscription) =>
        s.status !== "CANCELED" &&
        (input.timing === "PERIOD_END" ? s.scheduledPlan?.code : s.plan.code) === input.planCode;
      const reconcile = onRefusal(["BAD_USER_INPUT"], async () => {
        const s = await current(input.customerId, ours, call);
        return s && { changePlan: s };
      });
      return (await execute(config, ChangePlanDocument, input, { ...call, reconcile })).changePlan;
    },
    async cancel(input, call) {
      const ours = (s: Subscription) => s.status === "CANCELED";
      const reconcile = onRefusal(["NO_SUBSCRIPTION"], async () => {
        const s = await current(input.customerId, ours, call);
        return s && { cancelSubscription: s };
      });
      return (await execute(config, CancelSubscriptionDocument, input, { ...call, reconcile })).cancelSubscription;
    },
  };
}
