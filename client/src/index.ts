/**
 * @ai-billing/client: a typed client for the ai-billing GraphQL API. fetch only, no runtime
 * dependencies, no Node-only APIs (runs on Node 20+, Bun, Deno, Workers, edge runtimes, browsers).
 * docs/client.md is the guide.
 */
export {
  createBillingClient,
  type AiCostReport,
  type ApiKeyOptions,
  type BillingClient,
  type CheckInput,
  type Customer,
  type CustomerView,
  type CustomerToken,
  type CustomerTokenOptions,
  type Entitlement,
  type FeatureUsage,
  type Invoice,
  type InvoicePreview,
  type Plan,
  type PlanView,
  type PortalSession,
  type Quote,
  type ReadOnlyBillingClient,
  type Reservation,
  type ReserveInput,
  type SettleInput,
  type SettleResult,
  type Subscription,
  type TrackResult,
  type Wallet,
} from "./client.js";
export type {
  AddOn,
  AttachedAddOn,
  Coupon,
  CreateCouponRequest,
  LevelUsage,
} from "./add-ons-seats-coupons.js";
export { BATCH_SIZE, type BatchItemResult, type BatchOptions, type TrackInput } from "./batch.js";
export {
  BillingError,
  CLIENT_ERROR_CODES,
  isBillingError,
  SERVER_ERROR_CODES,
  type BillingErrorCode,
  type ClientErrorCode,
  type ServerErrorCode,
} from "./errors.js";
export { newIdempotencyKey } from "./ids.js";
export { ID_PATTERN } from "./generated.js";
export type { CallOptions, RetryOptions } from "./transport.js";
export type {
  AiCostGroup,
  ChangeTiming,
  ConsumptionModel,
  CouponDuration,
  CreateAddOnInput,
  CreateCustomerInput,
  DenyReason,
  InvoiceLineKind,
  InvoiceStatus,
  SubscriptionStatus,
  TrackUsageInput,
  UpdateCustomerInput,
} from "./generated.js";
