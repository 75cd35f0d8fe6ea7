/** Every console URL, built in one place (the console lives under /console on the API's origin). */
export const BASE = "/console";
const enc = encodeURIComponent;

export const paths = {
  overview: () => `${BASE}`,
  customers: () => `${BASE}/customers`,
  customer: (id: string) => `${BASE}/customers/${enc(id)}`,
  invoices: () => `${BASE}/invoices`,
  invoice: (id: string) => `${BASE}/invoices/${enc(id)}`,
  plans: () => `${BASE}/plans`,
  newPlan: () => `${BASE}/plans/new`,
  aiCosts: () => `${BASE}/ai-costs`,
  apiKeys: () => `${BASE}/api-keys`,
};
