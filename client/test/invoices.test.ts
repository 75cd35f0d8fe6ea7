/**
 * `invoices.list` reads every page of `customer.invoices` (the API answers at most 100 a page), for an
 * API key and for a customer token, newest first, and stops at the first short page. Its own file:
 * it moves the test clock 149 days.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BillingClient, createBillingClient } from "../src/index.js";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
let client: BillingClient;
/** The operation of each request the clients sent. */
const sent: string[] = [];

const countingFetch: typeof fetch = async (input, init) => {
  sent.push(/^(?:query|mutation) (\w+)/.exec(JSON.parse(String(init?.body)).query)?.[1] ?? "?");
  return fetch(input, init);
};

beforeAll(async () => {
  api = await startTestApi(); // 2026-01-01T00:00:00Z
  const f = fixtures(api);
  await f.features({ api_calls: "METERED" });
  await f.plan({
    code: "daily",
    model: "METERED",
    basePrice: "1",
    interval: "DAY",
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  });
  await f.customerOn("many", "daily");
  await f.customer("none");
  // 149 renewals, each invoicing the coming day's base fee: 150 invoices with the first.
  await f.advanceClock("2026-05-30T00:00:00Z");
  await api.ok("mutation { closeDuePeriods }");
  client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: countingFetch });
});
afterAll(() => api?.close());

const numbers = (count: number) => Array.from({ length: count }, (_, n) => `INV-${String(count - n).padStart(6, "0")}`);

it("given 150 invoices, when listed with an API key, then two pages are read and all are returned newest first", async () => {
  sent.length = 0;
  const invoices = await client.invoices.list("many");
  expect(invoices.map((i) => i.number)).toEqual(numbers(150));
  expect(sent).toEqual(["CustomerInvoices", "CustomerInvoices"]);
  // The newest closed May 29 and bills May 30's base fee.
  expect(invoices[0]).toMatchObject({
    periodStart: "2026-05-29T00:00:00.000Z",
    total: "1.00",
    lines: [{ kind: "BASE_FEE", periodStart: "2026-05-30T00:00:00.000Z", periodEnd: "2026-05-31T00:00:00.000Z" }],
  });
});

it("given 150 invoices, when listed with the customer's token, then the same pages are read", async () => {
  const { token } = await client.customerTokens.create({ customerId: "many" });
  const browser = createBillingClient({ url: api.url, customerToken: token, fetch: countingFetch });
  sent.length = 0;
  expect((await browser.invoices.list("many")).map((i) => i.number)).toEqual(numbers(150));
  expect(sent).toEqual(["CustomerInvoices", "CustomerInvoices"]);
});

it("given a customer without invoices or no customer at all, then one request answers an empty list", async () => {
  sent.length = 0;
  expect([await client.invoices.list("none"), await client.invoices.list("nobody")]).toEqual([[], []]);
  expect(sent).toEqual(["CustomerInvoices", "CustomerInvoices"]);
});
