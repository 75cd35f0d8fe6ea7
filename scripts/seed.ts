/**
 * The demo data `npm start` puts into an empty store: four features, one plan per consumption
 * model, a credit pack and a customer `demo` on the BALANCE plan (the one that shows both a fixed
 * unit price and AI-model token pricing). Values are the three consumption models of docs/concepts.md.
 *
 * "Empty" means no feature and no plan exists yet; a store that has either is left alone, so a
 * restart on the same data directory never seeds twice and never touches what a user created.
 */
import type { Deps } from "../core/deps";
import { createFeature, listFeatures } from "../core/features";
import { createPlan, listPlans, type CreatePlanInput } from "../core/plans";
import { createCreditPack } from "../core/credit-packs";
import { createCustomer } from "../core/customers";
import { subscribe } from "../core/subscriptions";
import { parseMoney, parseQuantity } from "../core/money";

export const DEMO_CUSTOMER = "demo";
export const DEMO_PLAN = "usage-balance";

export const DEMO_FEATURES = [
  { code: "ai_chat", name: "AI chat", kind: "METERED", unit: "tokens" },
  { code: "api_calls", name: "API calls", kind: "METERED", unit: "calls" },
  { code: "image_generation", name: "Image generation", kind: "METERED", unit: "images" },
  { code: "sso", name: "Single sign-on", kind: "BOOLEAN" },
] as const;

const money = (text: string) => parseMoney(text);
const quantity = (text: string) => parseQuantity(text);

export const DEMO_PLANS: CreatePlanInput[] = [
  {
    code: "starter-metered",
    name: "Starter (metered)",
    model: "METERED",
    basePrice: money("99"),
    interval: "MONTH",
    features: [{ feature: "api_calls", included: quantity("10000"), overagePrice: money("0.01") }, { feature: "sso" }],
  },
  {
    code: "creator-credits",
    name: "Creator (credits)",
    model: "CREDITS",
    basePrice: money("49"),
    interval: "MONTH",
    includedCredits: quantity("1000"),
    features: [{ feature: "image_generation", creditsPerUnit: quantity("10") }],
  },
  {
    code: DEMO_PLAN,
    name: "Usage (balance)",
    model: "BALANCE",
    basePrice: money("100"),
    interval: "MONTH",
    features: [
      { feature: "api_calls", pricing: "FIXED", unitPrice: money("0.0043") },
      { feature: "ai_chat", pricing: "AI_MODEL", marginBps: 4000 },
    ],
  },
];

export const DEMO_PACK = { code: "pack-500", name: "500 credits", credits: quantity("500"), price: money("20") };

/** Seeds the demo data when the store is empty; returns whether it did. */
export async function seedIfEmpty(deps: Deps, log: (line: string) => void = () => {}): Promise<boolean> {
  const [features, plans] = await Promise.all([listFeatures(deps), listPlans(deps, true)]);
  if (features.length > 0 || plans.length > 0) return false;

  for (const feature of DEMO_FEATURES) await createFeature(deps, { ...feature });
  for (const plan of DEMO_PLANS) await createPlan(deps, plan);
  await createCreditPack(deps, DEMO_PACK);
  await createCustomer(deps, { id: DEMO_CUSTOMER, name: "Demo Customer", email: "demo@example.com" });
  await subscribe(deps, DEMO_CUSTOMER, DEMO_PLAN);

  log(
    `seeded: features ${DEMO_FEATURES.map((f) => f.code).join(", ")}; plans ${DEMO_PLANS.map((p) => `${p.code} (${p.model})`).join(", ")}; ` +
      `credit pack ${DEMO_PACK.code}; customer "${DEMO_CUSTOMER}" subscribed to ${DEMO_PLAN}`,
  );
  return true;
}
