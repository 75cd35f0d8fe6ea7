/** Plain plans and wallets for the pure tests of the models (no database). */
import { units } from "../../../core/money";
import type { Plan, PlanFeature } from "../../../core/plans/plan";
import { emptyWallet, type Subscription, type Wallet } from "../../../core/wallet";

export const T0 = "2026-01-01T00:00:00.000Z";
export const T1 = "2026-02-01T00:00:00.000Z";

export const subscription = (planCode: string, fields: Partial<Subscription> = {}): Subscription => ({
  planCode,
  status: "ACTIVE",
  anchor: T0,
  periodIndex: 0,
  periodStart: T0,
  periodEnd: T1,
  cancelAtPeriodEnd: false,
  ...fields,
});

export const plan = (fields: Partial<Plan> & Pick<Plan, "code" | "model">): Plan => ({
  name: fields.code,
  basePrice: units(30),
  currency: "USD",
  interval: "MONTH",
  blockOnExhaustion: false,
  trialDays: 0,
  features: [],
  archived: false,
  createdAt: T0,
  ...fields,
});

export const metered = (feature: string, fields: Partial<PlanFeature> = {}): PlanFeature => ({
  feature,
  kind: "METERED",
  ...fields,
});

/** A wallet in its first period of `planCode`, with these counters. */
export const wallet = (planCode: string, fields: Partial<Wallet> = {}): Wallet => ({
  ...emptyWallet("acme"),
  subscription: subscription(planCode),
  ...fields,
});
