/** Setup steps through the public API, for scenario tests. */
import type { TestApi } from "./server";

export async function createFeatures(api: TestApi, features: Record<string, "METERED" | "BOOLEAN">) {
  for (const [code, kind] of Object.entries(features)) {
    await api.ok(`mutation($i: CreateFeatureInput!) { createFeature(input: $i) { code } }`, { i: { code, name: code, kind } });
  }
}

export const createPlan = (api: TestApi, input: Record<string, unknown>) =>
  api.ok(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, { i: { name: String(input.code), ...input } });

export async function subscribed(api: TestApi, customerId: string, planCode: string) {
  await api.ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, { i: { id: customerId } });
  await api.ok(`mutation($c: ID!, $p: ID!) { subscribe(customerId: $c, planCode: $p) { status } }`, { c: customerId, p: planCode });
}

export const track = (api: TestApi, customerId: string, feature: string, idempotencyKey: string, value: string | number = 1) =>
  api.gql(`mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed event { periodStart } } }`, {
    i: { customerId, feature, idempotencyKey, value },
  });

export const advanceClock = (api: TestApi, to: string) => api.ok(`mutation($t: DateTime!) { advanceClock(to: $t) }`, { t: to });

export const INVOICE_FIELDS = `number status currency periodStart periodEnd subtotal total lines { kind feature quantity unitPrice amount }`;

export async function invoicesOf(api: TestApi, customerId: string) {
  const data = await api.ok(`query($c: ID!) { customer(id: $c) { invoices { ${INVOICE_FIELDS} } } }`, { c: customerId });
  return data.customer.invoices as any[];
}
