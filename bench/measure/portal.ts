/**
 * `--only portal`: what the customer portal costs the API, in process on DynamoDB Local (the
 * GraphQL layer through `yoga.fetch`, no HTTP server): `createPortalSession` with an ADMIN key,
 * and the portal page's own reads with a portal token (the home page's query, web/portal/pages/
 * home.tsx: customer with subscription, usage, wallet, 10 events and 20 invoices, plans, credit
 * packs and upcomingInvoice; then one invoice page), at concurrency 8 over 64 customers of a
 * CREDITS plan with usage and a few invoices each. Per operation: per second, latency, and
 * DynamoDB requests. The customer rate limit is lifted (it would answer 429 to one token's load).
 *
 *   npm run bench -- --only portal [--quick]
 */
import { createCustomer } from "../../core/customers";
import { createCreditPack } from "../../core/credit-packs";
import { createFeature } from "../../core/features";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { requestCreditPackPurchase } from "../../core/purchases/request";
import { subscribe } from "../../core/subscriptions";
import { trackUsage } from "../../core/usage/track";
import { createBillingYoga } from "../../schema/yoga";
import { API_KEY, benchDeps, TABLE } from "../harness";
import { countRequests, emptyCounts, perOp, runLoad, type Counts, type LoadResult } from "../lib";
import { log } from "./context";

const CUSTOMERS = 64;

/** The portal home page's query, as web/portal/pages/home.tsx sends it (fields inlined). */
const HOME = `query Portal($id: ID!) {
  now
  customer(id: $id) {
    id name
    subscription { status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd
      plan { code name model currency basePrice interval group rank archived } scheduledPlan { code name } }
    usage { feature { code name unit kind } used included overage cost credits }
    wallet { credits planCredits planCreditsGranted grantedCredits purchasedCredits balance allowance allowanceGranted topUps spent overage }
    events(first: 10) { edges { node { idempotencyKey timestamp feature model inputTokens outputTokens cost credits } } }
    invoices(first: 20) { id number status total currency createdAt grantedOnPayment lines { kind description } }
  }
  upcomingInvoice(customerId: $id) { currency total lines { description amount } }
  plans { code name model currency basePrice interval group rank archived }
  creditPacks { code name credits price currency }
}`;
const INVOICE = `query Invoice($id: ID!) { invoice(id: $id) { id number status customerId currency createdAt subtotal total creditedToAccount
  lines { kind description quantity unitPrice amount periodStart periodEnd } reversal { unit granted unspent spent } } }`;
const SESSION = `mutation S($c: ID!) { createPortalSession(customerId: $c) { url expiresAt } }`;

export type PortalRun = LoadResult & { requestsPerOp: Record<string, number> };
export type PortalResult = { customers: number; createPortalSession: PortalRun; home: PortalRun; invoice: PortalRun };

export async function measurePortal(endpoint: string, runMs: number): Promise<PortalResult> {
  const deps = await benchDeps(endpoint, `${TABLE}-portal`);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  log(`bench: the portal over ${CUSTOMERS} customers...`);
  await createFeature(deps, { code: "images", name: "Images", kind: "METERED" });
  await createPlan(deps, {
    code: "bench-credits",
    name: "Bench credits",
    model: "CREDITS",
    basePrice: units(49),
    interval: "MONTH",
    includedCredits: units(100_000),
    features: [{ feature: "images", creditsPerUnit: units(10) }],
  });
  await createCreditPack(deps, { code: "bench-pack", name: "Pack", credits: units(500), price: units(20) });
  const ids = Array.from({ length: CUSTOMERS }, (_, i) => `portal-${i}`);
  for (const id of ids) {
    await createCustomer(deps, { id, name: `Customer ${id}` });
    await subscribe(deps, id, "bench-credits");
    for (let e = 0; e < 12; e++)
      await trackUsage(deps, { customerId: id, feature: "images", value: units(3), idempotencyKey: `${id}-${e}` });
    for (let p = 0; p < 3; p++) await requestCreditPackPurchase(deps, id, "bench-pack", `${id}-p${p}`);
  }
  const yoga = createBillingYoga({
    deps,
    apiKey: API_KEY,
    auditLog: () => {},
    limits: { customerRate: { perSecond: 1_000_000, burst: 1_000_000 } },
  });
  const ask = async (query: string, variables: Record<string, unknown>, key: string) => {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors[0]!.message);
    return body.data;
  };
  const tokens: string[] = [];
  const invoices: string[] = [];
  for (const id of ids) {
    const { url } = (await ask(SESSION, { c: id }, API_KEY)).createPortalSession;
    const token = new URLSearchParams(new URL(url).hash.slice(1)).get("token")!;
    tokens.push(token);
    invoices.push((await ask(HOME, { id }, token)).customer.invoices[0].id);
  }
  const measured = async (op: (n: number) => Promise<unknown>): Promise<PortalRun> => {
    counts = emptyCounts();
    const load = await runLoad(8, runMs, async (n) => void (await op(n % CUSTOMERS)), 0);
    if (load.firstError) log(`bench: first error: ${load.firstError}`);
    return { ...load, requestsPerOp: perOp(counts.requests, load.ops + load.errors) };
  };
  return {
    customers: CUSTOMERS,
    createPortalSession: await measured((n) => ask(SESSION, { c: ids[n] }, API_KEY)),
    home: await measured((n) => ask(HOME, { id: ids[n] }, tokens[n]!)),
    invoice: await measured((n) => ask(INVOICE, { id: invoices[n] }, tokens[n]!)),
  };
}
