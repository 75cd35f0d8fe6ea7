/**
 * The `given` of a test file in one call: a fresh API over real HTTP (its own table and test
 * clock), then, in this order, the AI model catalog snapshot, the features, the plans by code, the
 * credit packs by code and the customers on their plans. Everything goes through the public API
 * (the catalog through the loader `npm start` uses), so a scenario is what an operator could build.
 */
import { loadSnapshotIfEmpty } from "../../core/catalog/import";
import { fixtures, type Fixtures } from "./fixtures";
import { startTestApi, type TestApi } from "./server";

/** A createPlan input without its code (its key in `plans`); name = code, interval MONTH, basePrice 0 unless given. */
export type PlanGiven = {
  model: "METERED" | "CREDITS" | "BALANCE";
  features: { feature: string; [field: string]: unknown }[];
  [field: string]: unknown;
};

/**
 * One plan of each model with the numbers most behaviour tests start from, named after the model;
 * a test that needs other numbers writes its own plan beside them.
 */
export const PLANS = {
  /** $10 a month, 100 api_calls included, $0.01 per call over. */
  metered: {
    model: "METERED",
    basePrice: "10",
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  },
  /** $49 a month for 100 credits; an image costs 10 credits. */
  credits: {
    model: "CREDITS",
    basePrice: "49",
    includedCredits: "100",
    features: [{ feature: "images", creditsPerUnit: "10" }],
  },
  /** $100 a month of allowance; an API call costs $0.0043. */
  balance: { model: "BALANCE", basePrice: "100", features: [{ feature: "api_calls", unitPrice: "0.0043" }] },
} satisfies Record<string, PlanGiven>;

/**
 * Late events' given (BILLING_GRACE_PERIOD, core/periods/grace.ts): a 6-hour grace and a DAY plan
 * of each model; customers subscribed at the clock's start (T0, 2026-01-01T00:00Z) see their first
 * period end at 2026-01-02T00:00Z and its grace at 06:00Z. Tests add their own plans beside them.
 */
export const GRACE = {
  gracePeriodMs: 6 * 3_600_000,
  features: { api_calls: "METERED", images: "METERED" },
  plans: {
    daily: {
      model: "METERED",
      basePrice: "1",
      interval: "DAY",
      features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
    },
    credits: {
      model: "CREDITS",
      basePrice: "5",
      interval: "DAY",
      includedCredits: "100",
      features: [{ feature: "images", creditsPerUnit: "10" }],
    },
    balance: {
      model: "BALANCE",
      basePrice: "1",
      interval: "DAY",
      features: [{ feature: "api_calls", unitPrice: "0.01" }],
    },
  },
} satisfies Given;

export type PackGiven = { credits: string; price: string; name?: string; currency?: string };

export type Given = {
  /** Where the test clock starts; default T0 (test/support/db.ts). */
  clockStart?: string;
  /** Load the shipped AI model catalog snapshot (data/), as `npm start` does into an empty store. */
  catalog?: boolean;
  features?: Record<string, "METERED" | "BOOLEAN" | "SEATS" | "QUOTA">;
  plans?: Record<string, PlanGiven>;
  packs?: Record<string, PackGiven>;
  /** Customer id -> the plan it subscribes to, or null for a customer without a subscription. */
  customers?: Record<string, string | null>;
  /** The deployment's BILLING_GRACE_PERIOD in ms (core/periods/grace.ts); none by default. */
  gracePeriodMs?: number;
};

export type Scenario = { api: TestApi; f: Fixtures };

export async function scenario(given: Given = {}): Promise<Scenario> {
  const api = await startTestApi({
    clockStart: given.clockStart,
    ...(given.gracePeriodMs ? { gracePeriodMs: given.gracePeriodMs } : {}),
  });
  const f = fixtures(api);
  if (given.catalog) await loadSnapshotIfEmpty(api.deps);
  await f.features(given.features ?? {});
  for (const [code, plan] of Object.entries(given.plans ?? {})) await f.plan({ code, ...plan });
  for (const [code, { credits, price, ...more }] of Object.entries(given.packs ?? {}))
    await f.pack(code, credits, price, more);
  for (const [id, plan] of Object.entries(given.customers ?? {}))
    await (plan === null ? f.customer(id) : f.customerOn(id, plan));
  return { api, f };
}
