import { checkEntitlement, type Entitlement } from "../core/entitlements";
import { SCALE } from "../core/money";
import { adminIngestOrCustomer } from "./auth";
import { builder } from "./builder";
import { ConsumptionModelEnum } from "./plans";

const DenyReasonEnum = builder.enumType("DenyReason", {
  values: [
    "NO_SUBSCRIPTION",
    "FEATURE_NOT_IN_PLAN",
    "INSUFFICIENT_CREDITS",
    "INSUFFICIENT_BALANCE",
    "LIMIT_REACHED",
    "UNKNOWN_FEATURE",
  ] as const,
});

export const EntitlementRef = builder.objectRef<Entitlement>("Entitlement").implement({
  fields: (t) => ({
    feature: t.exposeID("feature"),
    allowed: t.exposeBoolean("allowed"),
    reason: t.field({ type: DenyReasonEnum, nullable: true, resolve: (e) => e.reason ?? null }),
    model: t.field({ type: ConsumptionModelEnum, nullable: true, resolve: (e) => e.model ?? null }),
    used: t.field({ type: "Decimal", nullable: true, resolve: (e) => e.used ?? null }),
    included: t.field({ type: "Decimal", nullable: true, resolve: (e) => e.included ?? null }),
    remaining: t.field({ type: "Decimal", nullable: true, resolve: (e) => e.remaining ?? null }),
    credits: t.field({ type: "Decimal", nullable: true, resolve: (e) => e.credits ?? null }),
    balance: t.field({ type: "Money", nullable: true, resolve: (e) => e.balance ?? null }),
    unitPrice: t.field({
      type: "Money",
      nullable: true,
      description:
        "METERED: what the next unit is billed at now: 0 within included, then the overage price, or the price of the tier the usage has reached (per package with packageSize).",
      resolve: (e) => e.unitPrice ?? null,
    }),
    tier: t.int({
      nullable: true,
      description: "METERED with tiers: the tier (1 = first) the next unit beyond included falls in.",
      resolve: (e) => e.tier ?? null,
    }),
  }),
});

builder.queryField("entitlement", (t) =>
  t.field({
    type: EntitlementRef,
    authScopes: (_, a) => adminIngestOrCustomer(a.customerId),
    description:
      "The entitlement check: may this customer consume `amount` (default 1) of `feature` now? A feature that does not exist answers allowed: false, reason UNKNOWN_FEATURE.",
    args: {
      customerId: t.arg.id({ required: true }),
      feature: t.arg.id({ required: true }),
      amount: t.arg({ type: "Decimal" }),
    },
    resolve: (_, a, { deps }) => checkEntitlement(deps, a.customerId, a.feature, a.amount ?? SCALE),
  }),
);
