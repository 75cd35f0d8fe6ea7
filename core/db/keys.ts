/**
 * The single table's shape and every key it holds. No key string is built anywhere else; the
 * stack's table definition (stacks/table.ts) and DynamoDB Local's table (core/db/table.ts) import
 * these same constants, so names cannot drift.
 *
 * Definitions (features, plans, packs, models) each live in one small partition so they can be
 * listed with a Query instead of a Scan; they are written rarely and cached by readers.
 */
export const TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  /**
   * Sparse, sharded work index: subscriptions due for a period close, invoices and outbox items
   * with unpublished events. Keys only, so the wallet's counter updates on every track never
   * write to it; the sweeper reads each due wallet itself, which a close needs anyway.
   */
  dueIndex: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk", projection: "KEYS_ONLY" },
  /**
   * A customer's timelines, newest first: usage events (a single event's own item, or one page
   * item per batch transaction that names its events) and invoices.
   */
  timelineIndex: { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk", projection: "ALL" },
  /**
   * The operator's lists across customers, newest first: customer profiles and invoices
   * (core/db/lists.ts). Only items created rarely carry it (a profile, an invoice), so no write on
   * the usage path ever touches it.
   */
  listIndex: { name: "gsi3", partitionKey: "gsi3pk", sortKey: "gsi3sk", projection: "ALL" },
  /**
   * Sparse index of each plan's subscribers (the wallets whose subscription renews into it), for
   * migrateSubscribers. Keys only and set only by period changes, so a track never writes to it.
   */
  planIndex: { name: "gsi4", partitionKey: "gsi4pk", sortKey: "gsi4sk", projection: "KEYS_ONLY" },
} as const;

/** Entity tags stored in every item's `type`. */
export const ItemType = {
  FEATURE: "FEATURE",
  PLAN: "PLAN",
  CREDIT_PACK: "CREDIT_PACK",
  COUPON: "COUPON",
  ADD_ON: "ADD_ON",
  ADD_ON_ATTACHMENT: "ADD_ON_ATTACHMENT",
  CUSTOMER: "CUSTOMER",
  WALLET: "WALLET",
  ACCOUNT_CREDIT_GRANT: "ACCOUNT_CREDIT_GRANT",
  EVENT: "EVENT",
  EVENT_PAGE: "EVENT_PAGE",
  PURCHASE: "PURCHASE",
  CREDIT_GRANT: "CREDIT_GRANT",
  INVOICE: "INVOICE",
  COUNTER: "COUNTER",
  CLOCK: "CLOCK",
  AI_MODEL: "AI_MODEL",
  AI_MODEL_ALIAS: "AI_MODEL_ALIAS",
  API_KEY: "API_KEY",
  API_KEY_HASH: "API_KEY_HASH",
  CUSTOMER_TOKENS: "CUSTOMER_TOKENS",
  OUTBOX: "OUTBOX",
  AI_COST_ROLLUP: "AI_COST_ROLLUP",
  AI_COST_APPLIED: "AI_COST_APPLIED",
  USAGE_HISTORY: "USAGE_HISTORY",
  WEBHOOK_ENDPOINT: "WEBHOOK_ENDPOINT",
  WEBHOOK_ENDPOINT_URL: "WEBHOOK_ENDPOINT_URL",
  WEBHOOK_DELIVERY: "WEBHOOK_DELIVERY",
  WEBHOOK_ATTEMPT: "WEBHOOK_ATTEMPT",
  USAGE_ALERT: "USAGE_ALERT",
  RESERVATION: "RESERVATION",
} as const;

export const DUE_SHARDS = 8;
export const EVENT_SHARDS = 16;
export const WEBHOOK_DUE_SHARDS = 4;
export const HOLD_DUE_SHARDS = 4;

export type Key = { pk: string; sk: string };

/**
 * A client-chosen part of a key (an id, a code, an idempotency key). IDs are validated at the edge
 * (core/validation.ts: never "#"); this refuses again where keys are built, so no input that slipped
 * past a check can forge a separator and reach another customer's items.
 */
function part(value: string): string {
  if (value.includes("#")) throw new Error("a key part must not contain #");
  return value;
}

export const keys = {
  feature: (code: string): Key => ({ pk: "FEATURES", sk: `FEATURE#${part(code)}` }),
  featurePartition: () => "FEATURES",
  featurePrefix: () => "FEATURE#",
  plan: (code: string): Key => ({ pk: "PLANS", sk: `PLAN#${part(code)}` }),
  planPartition: () => "PLANS",
  planPrefix: () => "PLAN#",
  creditPack: (code: string): Key => ({ pk: "CREDIT_PACKS", sk: `PACK#${part(code)}` }),
  creditPackPartition: () => "CREDIT_PACKS",
  creditPackPrefix: () => "PACK#",
  /** Coupons, in one small partition (listed by a Query); `redemptions` counts on the item. */
  coupon: (code: string): Key => ({ pk: "COUPONS", sk: `COUPON#${part(code)}` }),
  couponPartition: () => "COUPONS",
  couponPrefix: () => "COUPON#",
  /** Add-on definitions, in one small partition (listed by a Query); attached terms live on the wallet. */
  addOn: (code: string): Key => ({ pk: "ADD_ONS", sk: `ADD_ON#${part(code)}` }),
  addOnPartition: () => "ADD_ONS",
  addOnPrefix: () => "ADD_ON#",
  aiModel: (id: string): Key => ({ pk: "AI_MODELS", sk: `MODEL#${id}` }),
  aiModelPartition: () => "AI_MODELS",
  aiModelPrefix: (provider = "") => `MODEL#${provider ? `${provider}/` : ""}`,
  /** An operator's alias for a model (`setAiModelAlias`), in the catalog's partition. */
  aiModelAlias: (alias: string): Key => ({ pk: "AI_MODELS", sk: `ALIAS#${alias}` }),
  aiModelAliasPrefix: () => "ALIAS#",

  customer: (id: string): Key => ({ pk: `CUSTOMER#${part(id)}`, sk: "PROFILE" }),
  wallet: (customerId: string): Key => ({ pk: `CUSTOMER#${part(customerId)}`, sk: "WALLET" }),
  /** Which customer a usage alert belongs to (the alert itself is on the wallet): archiveUsageAlert(id). */
  usageAlert: (id: string): Key => ({ pk: `ALERT#${part(id)}`, sk: "ALERT" }),
  /** An account credit grant's idempotency record (its live part is on the wallet: core/db/account-credit.ts). */
  accountCreditGrant: (customerId: string, idempotencyKey: string): Key => ({
    pk: `CUSTOMER#${part(customerId)}`,
    sk: `ACCOUNT_CREDIT#${part(idempotencyKey)}`,
  }),
  /** An attachAddOn's idempotency record (what was attached under the key: core/db/add-ons.ts). */
  addOnAttachment: (customerId: string, idempotencyKey: string): Key => ({
    pk: `CUSTOMER#${part(customerId)}`,
    sk: `ADD_ON#${part(idempotencyKey)}`,
  }),
  /** The customer's token generation: tokens minted under an older one are refused. */
  customerTokens: (customerId: string): Key => ({ pk: `CUSTOMER#${part(customerId)}`, sk: "TOKENS" }),

  /** Usage events are spread over shards by idempotency key, away from the wallet's partition. */
  event: (customerId: string, idempotencyKey: string): Key => ({
    pk: `EVENT#${part(customerId)}#${shardOf(idempotencyKey, EVENT_SHARDS)}`,
    sk: part(idempotencyKey),
  }),
  /**
   * A batch transaction's events are listed through one page item, named after its first event
   * (whose key is new in the same transaction, so the page's key is too). Idempotency keys never
   * hold "#", so a page never collides with an event.
   */
  eventPage: (customerId: string, firstIdempotencyKey: string): Key => ({
    pk: `EVENT#${part(customerId)}#${shardOf(firstIdempotencyKey, EVENT_SHARDS)}`,
    sk: `PAGE#${part(firstIdempotencyKey)}`,
  }),
  /**
   * The timeline entry of an event or a page: by record time (the deployment's clock), then by
   * `order` (core/db/recording-order.ts: real time in microseconds, strictly increasing within a
   * process, so events recorded at one clock instant, as under a test clock standing still, list
   * in the order they were recorded), then the (first) event's key, which makes the entry unique.
   */
  eventTimeline: (customerId: string, recordedAt: string, order: string, idempotencyKey: string) => ({
    gsi2pk: `EVENTS#${part(customerId)}`,
    gsi2sk: `${recordedAt}#${order}#${part(idempotencyKey)}`,
  }),
  eventTimelinePartition: (customerId: string) => `EVENTS#${part(customerId)}`,

  /** A reservation, in its customer's partition (listed with the customer), under its idempotency key. */
  reservation: (customerId: string, idempotencyKey: string): Key => ({
    pk: `CUSTOMER#${part(customerId)}`,
    sk: `RESERVATION#${part(idempotencyKey)}`,
  }),
  reservationPrefix: () => "RESERVATION#",
  /** The customer and key a reservation item's own key names (neither is repeated in the item). */
  reservationOf: (key: Key) => ({
    customerId: key.pk.slice(key.pk.indexOf("#") + 1),
    idempotencyKey: key.sk.slice(key.sk.indexOf("#") + 1),
  }),
  customerPartition: (customerId: string) => `CUSTOMER#${part(customerId)}`,
  /** Set on a reservation while it holds (sparse, sharded work index): the sweeper expires it by then. */
  holdDue: (customerId: string, idempotencyKey: string, expiresAt: string) => ({
    gsi1pk: holdDueShard(shardOf(`${customerId}#${idempotencyKey}`, HOLD_DUE_SHARDS)),
    gsi1sk: `${expiresAt}#${part(customerId)}#${part(idempotencyKey)}`,
  }),
  holdDueShard: (shard: number) => holdDueShard(shard),
  /** The customer and key of a hold due index sort key, as "<customerId>#<idempotencyKey>". */
  reservationOfHoldDue: (sk: string) => sk.slice(sk.indexOf("#") + 1),

  purchase: (customerId: string, idempotencyKey: string): Key => ({
    pk: `PURCHASE#${part(customerId)}`,
    sk: part(idempotencyKey),
  }),

  /** A grantCredits record (its idempotency record), beside the customer's purchases' partition. */
  creditGrant: (customerId: string, idempotencyKey: string): Key => ({
    pk: `GRANT#${part(customerId)}`,
    sk: part(idempotencyKey),
  }),

  invoice: (id: string): Key => ({ pk: `INVOICE#${part(id)}`, sk: "INVOICE" }),
  invoiceTimeline: (customerId: string, createdAt: string, id: string) => ({
    gsi2pk: `INVOICES#${part(customerId)}`,
    gsi2sk: `${createdAt}#${part(id)}`,
  }),
  invoiceTimelinePartition: (customerId: string) => `INVOICES#${part(customerId)}`,
  invoiceCounter: (): Key => ({ pk: "COUNTER", sk: "INVOICE" }),

  /** Every customer, newest first (list index): set on the profile when it is created. */
  customerListing: (createdAt: string, id: string) => ({ gsi3pk: "CUSTOMERS", gsi3sk: `${createdAt}#${part(id)}` }),
  customerListingPartition: () => "CUSTOMERS",
  /** Every invoice, newest first (list index): set on the invoice when it is issued. */
  invoiceListing: (createdAt: string, id: string) => ({ gsi3pk: "INVOICES", gsi3sk: `${createdAt}#${part(id)}` }),
  invoiceListingPartition: () => "INVOICES",

  /**
   * AI cost rollups (core/ai-costs/): one partition per grouping and period bucket (`D2026-01-05`
   * or `M2026-01`), one item per group key (a model, a customer, a feature; for DAY groups the day).
   * Written only by the stream aggregator, never by a track.
   */
  aiCostRollup: (group: string, bucket: string, key: string): Key => ({
    pk: `AICOST#${group}#${bucket}`,
    sk: `KEY#${key}`,
  }),
  aiCostRollupPartition: (group: string, bucket: string) => `AICOST#${group}#${bucket}`,
  aiCostRollupPrefix: () => "KEY#",
  /** Marks one usage event as rolled up (the aggregator's idempotency under redelivery); expires. */
  aiCostApplied: (eventPk: string, eventSk: string): Key => ({ pk: `AICOST_APPLIED#${eventPk}`, sk: eventSk }),
  /**
   * A customer's usage per period and feature (usage history), summed by the same aggregator
   * from every usage event: one item per feature per period, in the customer's own partition.
   */
  usageHistory: (customerId: string, periodStart: string, feature: string): Key => ({
    pk: `USAGE_HISTORY#${part(customerId)}`,
    sk: `${periodStart}#${part(feature)}`,
  }),
  usageHistoryPartition: (customerId: string) => `USAGE_HISTORY#${part(customerId)}`,

  clock: (): Key => ({ pk: "CLOCK", sk: "CLOCK" }),

  /** Secret API keys: listed from one partition; authenticated by one GetItem on the secret's SHA-256. */
  apiKey: (id: string): Key => ({ pk: "API_KEYS", sk: `KEY#${part(id)}` }),
  apiKeyPartition: () => "API_KEYS",
  apiKeyPrefix: () => "KEY#",
  apiKeyHash: (sha256Hex: string): Key => ({ pk: `APIKEY#${sha256Hex}`, sk: "APIKEY" }),

  /** A usage write's events waiting to be published (core/db/outbox.ts); an invoice holds its own. */
  outbox: (eventId: string): Key => ({ pk: `OUTBOX#${part(eventId)}`, sk: "OUTBOX" }),
  isOutbox: (key: Key) => key.pk.startsWith("OUTBOX#") && key.sk === "OUTBOX",
  /** Set on an item while it holds unpublished events (sparse index), oldest first. */
  unpublished: (time: string, id: string) => ({ gsi1pk: "OUTBOX", gsi1sk: `${time}#${id}` }),
  unpublishedPartition: () => "OUTBOX",

  /** Set on a wallet while its subscription is active; removed when it ends (sparse index). */
  due: (customerId: string, periodEnd: string) => ({
    gsi1pk: dueShard(shardOf(customerId, DUE_SHARDS)),
    gsi1sk: `${periodEnd}#${part(customerId)}`,
  }),
  dueShard: (shard: number) => dueShard(shard),

  /**
   * Set on a wallet while its subscription renews into `planCode` (its scheduled plan, else its
   * plan; not when it ends at period end), removed when it ends (sparse plan index).
   */
  subscriberOf: (planCode: string, customerId: string) => ({
    gsi4pk: `SUBSCRIBERS#${part(planCode)}`,
    gsi4sk: part(customerId),
  }),
  subscribersPartition: (planCode: string) => `SUBSCRIBERS#${part(planCode)}`,

  /**
   * Webhook endpoints, in one small partition (listed by a Query on every event's fan-out), with
   * their count (a cap) and one item per URL (an endpoint per URL: a retried create cannot add a
   * second one that would deliver everything twice). core/db/webhook-endpoints.ts.
   */
  webhookEndpoint: (id: string): Key => ({ pk: "WEBHOOK_ENDPOINTS", sk: `ENDPOINT#${part(id)}` }),
  webhookEndpointPartition: () => "WEBHOOK_ENDPOINTS",
  webhookEndpointPrefix: () => "ENDPOINT#",
  webhookEndpointUrl: (urlSha256Hex: string): Key => ({ pk: "WEBHOOK_ENDPOINTS", sk: `URL#${urlSha256Hex}` }),
  webhookEndpointCount: (): Key => ({ pk: "WEBHOOK_ENDPOINTS", sk: "COUNT" }),
  /** One event's delivery to one endpoint, and its attempts in the same partition (core/db/webhook-deliveries.ts). */
  webhookDelivery: (id: string): Key => ({ pk: `WEBHOOK_DELIVERY#${part(id)}`, sk: "DELIVERY" }),
  webhookAttempt: (deliveryId: string, attempt: number): Key => ({
    pk: `WEBHOOK_DELIVERY#${part(deliveryId)}`,
    sk: `ATTEMPT#${String(attempt).padStart(4, "0")}`,
  }),
  webhookDeliveryPartition: (deliveryId: string) => `WEBHOOK_DELIVERY#${part(deliveryId)}`,
  webhookAttemptPrefix: () => "ATTEMPT#",
  /** An endpoint's deliveries, newest first (timeline index), ordered like the event timeline. */
  webhookDeliveryTimeline: (endpointId: string, createdAt: string, order: string, deliveryId: string) => ({
    gsi2pk: `WEBHOOK_DELIVERIES#${part(endpointId)}`,
    gsi2sk: `${createdAt}#${order}#${part(deliveryId)}`,
  }),
  webhookDeliveryTimelinePartition: (endpointId: string) => `WEBHOOK_DELIVERIES#${part(endpointId)}`,
  isWebhookDeliveryTimelineSortKey: (sk: string) => /^\d{4}-\d\d-\d\dT[\d:.]+Z#\d{16}#wd_[0-9a-f]{24}$/.test(sk),
  /** Set on a delivery while an attempt is due or running (sparse, sharded work index), by due time. */
  webhookDue: (deliveryId: string, nextAttemptAt: string) => ({
    gsi1pk: webhookDueShard(shardOf(deliveryId, WEBHOOK_DUE_SHARDS)),
    gsi1sk: `${nextAttemptAt}#${part(deliveryId)}`,
  }),
  webhookDueShard: (shard: number) => webhookDueShard(shard),
  /** The delivery id of a webhook due index sort key. */
  deliveryOfWebhookDue: (sk: string) => sk.slice(sk.indexOf("#") + 1),
  /**
   * The due index's upper bound for `now`: every period that ended by then, whatever its
   * customer id ("~" sorts after every character an ID may hold, "|" included).
   */
  dueUpTo: (now: Date) => `${now.toISOString()}#~`,
  /** The customer id of a due index sort key (the period end is an ISO instant: it holds no "#"). */
  customerOfDue: (sk: string) => sk.slice(sk.indexOf("#") + 1),
} as const;

function dueShard(shard: number): string {
  return `DUE#${shard}`;
}

function holdDueShard(shard: number): string {
  return `HOLDS_DUE#${shard}`;
}

function webhookDueShard(shard: number): string {
  return `WEBHOOKS_DUE#${shard}`;
}

/** FNV-1a over the string, modulo the shard count: stable across processes and deployments. */
export function shardOf(value: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * Where a customer's event listing resumes: a timeline entry of this customer (its sort key, as
 * eventTimeline builds it) and, for an event named by a page item, its position in the page, so a
 * listing can resume in the middle of a batch.
 */
export type EventCursor = { customerId: string; sk: string; position?: number };

/** A timeline sort key as eventTimeline builds it (and, before `order` existed, without it). */
const isEventTimelineSortKey = (sk: string) => /^\d{4}-\d\d-\d\dT[\d:.]+Z#(\d{16}#)?[^#]{1,128}$/.test(sk);

/** Opaque to clients: base64url of a JSON array (IDs may hold "/" and "=", so no separator of our own). */
export const encodeEventCursor = (c: EventCursor) =>
  Buffer.from(
    JSON.stringify(c.position === undefined ? [c.customerId, c.sk] : [c.customerId, c.sk, c.position]),
  ).toString("base64url");

/**
 * A cursor handed out for `customerId`, or undefined: malformed, made up, or another customer's (a
 * cursor never moves a listing into another customer's timeline; it is refused so a client mixing
 * them up finds out).
 */
export function decodeEventCursor(customerId: string, text: string): EventCursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length < 2 || value.length > 3) return undefined;
  const [owner, sk, position] = value as unknown[];
  if (owner !== customerId || typeof sk !== "string" || !isEventTimelineSortKey(sk)) return undefined;
  if (position === undefined) return { customerId, sk };
  // A batch transaction holds at most 98 events: a position beyond that was made up.
  return Number.isInteger(position) && (position as number) >= 0 && (position as number) < 100
    ? { customerId, sk, position: position as number }
    : undefined;
}
