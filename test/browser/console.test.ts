/**
 * The operator console in Debian's Chromium against the real server on DynamoDB Local (issue 19):
 * sign in with an ADMIN key, create a plan through the form after seeing a validation error next
 * to its field, create a customer and subscribe it, track AI usage through the API and see the
 * exact amounts on the customer page and in the AI costs view (report and per-request list), find the customer by search and the
 * invoice by status, mark it paid, void another, create and revoke an API key, sign out. On every page: axe-core finds no serious or critical violation, nothing is requested from
 * another origin, and nothing is blocked (no console error, CSP violations included).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { rollupPoller } from "../support/rollups";
import { TEST_KEY, type TestApi } from "../support/server";
import { type BrowserSuite, screenshot, startBrowserSuite, type TrackedPage } from "../support/browser";

let suite: BrowserSuite;
let api: TestApi;
let tab: TrackedPage;
let page: Page;
let origin: string;
/** Accessible, same-origin only, no errors; and a screenshot (test/support/browser.ts). */
const checkPage = (name: string) => suite.check(name);

beforeAll(async () => {
  suite = await startBrowserSuite("console");
  ({ api, tab, page, origin } = suite);
  await api.ok(`mutation {
    createFeature(input: { code: "assistant", name: "Assistant", kind: METERED, unit: "tokens" }) { code }
    upsertAiModel(id: "acme/model-one", inputPrice: "3", outputPrice: "15") { id }
  }`);
});
afterAll(() => suite?.close());

describe("the operator console", () => {
  it("shows the sign-in page first, usable within a second, and refuses a wrong key", async () => {
    // Load noise on a shared machine only ever adds time: the best of up to three loads is the page's own.
    const loads: number[] = [];
    while (loads.length < 3 && !loads.some((ms) => ms < 1_000)) {
      const started = Date.now();
      await page.goto(`${origin}/console`);
      await page.getByLabel("API key").waitFor();
      loads.push(Date.now() - started);
    }
    console.log(`console first page usable in ${Math.min(...loads)} ms (loads: ${loads.join(", ")} ms)`);
    expect(Math.min(...loads)).toBeLessThan(1_000);
    await page.getByLabel("API key").fill("not-a-key-0123456789");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("This key is not valid").waitFor();
    // The refused request is the one error the browser logs here.
    expect(tab.errors.splice(0)).toEqual([
      "Failed to load resource: the server responded with a status of 401 (Unauthorized)",
    ]);
    await checkPage("sign-in-error");
  });

  it("signs in with an ADMIN key kept in session storage, never in the URL", async () => {
    await page.getByLabel("API key").fill(TEST_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("billing.apiKey"))).toBe(TEST_KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).not.toContain(TEST_KEY);
    expect(tab.requests.some((url) => url.includes(TEST_KEY))).toBe(false);
    await checkPage("overview-empty");
  });

  it("creates a plan through the form, after showing the API's validation error beside its field", async () => {
    await page.getByRole("link", { name: "Plans and features" }).click();
    await page.getByRole("link", { name: "New plan" }).click();
    await page.getByLabel("Code").fill("pro");
    await page.getByLabel("Name").fill("Pro");
    await page.getByLabel("Consumption model").selectOption("BALANCE");
    await page.getByLabel("Base price").fill("20");
    await page.getByLabel("Margin (basis points)").fill("-5");
    await page.getByRole("button", { name: "Create plan" }).click();
    const error = page.locator('[data-field="features[0].marginBps"]');
    await error.waitFor();
    expect(await error.textContent()).toBe("must be at least 0");
    // The error is tied to its input, and the input is marked invalid.
    const margin = page.getByLabel("Margin (basis points)");
    expect(await margin.getAttribute("aria-invalid")).toBe("true");
    await checkPage("new-plan-error");
    await margin.fill("4000");
    await page.getByRole("button", { name: "Create plan" }).click();
    await page.getByRole("heading", { name: "Plans and features" }).waitFor();
    await page.getByText("AI model prices + 40% margin").waitFor();
    await checkPage("plans");
  });

  it("creates a customer, subscribes it and shows the exact AI amounts tracked through the API", async () => {
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByText("No customers yet.").waitFor();
    await page.getByLabel("Id", { exact: true }).fill("acme");
    await page.getByLabel("Name").fill("Acme Inc.");
    await page.getByRole("button", { name: "Create customer" }).click();
    await page.getByRole("heading", { name: "Acme Inc." }).waitFor();
    await page.getByRole("button", { name: "Subscribe" }).click();
    await page.getByText("Subscribed.").waitFor();

    const tracked = await api.ok(`mutation {
      trackUsage(input: { customerId: "acme", feature: "assistant", idempotencyKey: "req-1",
        model: "acme/model-one", inputTokens: 1200, outputTokens: 350 }) { event { cost providerCost } }
    }`);
    expect(tracked.trackUsage.event).toEqual({ cost: "0.01239", providerCost: "0.00885" });
    await page.reload();
    const events = page.getByRole("table", { name: "Recent usage events, newest first" });
    await events.waitFor();
    const row = events.locator("tbody tr").first();
    expect(await row.locator("td").allTextContents()).toEqual([
      "2026-01-01 00:00 UTC",
      "assistant",
      "acme/model-one",
      "1,200 / 350 / 0",
      "0.01239 USD",
      "0.00885 USD",
      "0.00354 USD (40%)",
    ]);
    await page.getByText("19.98761 USD").first().waitFor();
    await checkPage("customer");
  });

  it("shows the exact AI amounts in the AI costs view once the rollups have the event", async () => {
    await rollupPoller(api.deps.db).drain();
    await page.getByRole("link", { name: "AI costs" }).click();
    const table = page.getByRole("table", { name: "AI costs by model" });
    await table.waitFor();
    expect(await table.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      "acme/model-one",
      "1",
      "1,200",
      "350",
      "0 / 0",
      "0.00885 USD",
      "0.01239 USD",
      "0.00354 USD",
    ]);
    await page.getByLabel("Group by").selectOption("CUSTOMER");
    await page.getByRole("button", { name: "Show report" }).click();
    const byCustomer = page.getByRole("table", { name: "AI costs by customer" });
    await byCustomer.waitFor();
    expect(await byCustomer.locator("tbody tr").first().locator("td").first().textContent()).toBe("acme");
    // The per-request list: the customer's calls in the same range, each with its exact amounts.
    await page.getByRole("button", { name: "Requests of acme" }).click();
    const requests = page.getByRole("table", { name: "Requests of acme, newest first" });
    await requests.waitFor();
    expect(await requests.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      "2026-01-01 00:00 UTC",
      "assistant",
      "acme/model-one",
      "1,200 / 350 / 0",
      "0.01239 USD",
      "0.00885 USD",
      "0.00354 USD (40%)",
    ]);
    expect(await page.getByLabel("Customer id").inputValue()).toBe("acme");
    await checkPage("ai-costs");
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "AI this month" }).waitFor();
    await page.getByText("0.00354 USD").waitFor();
    await checkPage("overview");
  });

  it("finds the customer by a search and lists its invoice among the open ones", async () => {
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByLabel("Search", { exact: true }).fill("ACME");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "Acme Inc." }).waitFor();
    await checkPage("customers");
    await page.getByRole("link", { name: "Invoices" }).click();
    await page.getByLabel("Status").selectOption("OPEN");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("link", { name: "INV-000001" }).waitFor();
    await checkPage("invoices");
  });

  it("opens the invoice as a printable page and marks it paid", async () => {
    await page.getByRole("link", { name: "INV-000001" }).click();
    await page.getByRole("heading", { name: "Invoice INV-000001" }).waitFor();
    expect(await page.locator(".invoice-doc .badge").textContent()).toBe("Open");
    await checkPage("invoice-open");
    await page.getByRole("button", { name: "Mark paid" }).click();
    await page.getByText("Invoice INV-000001 marked paid.").waitFor();
    await page.locator(".invoice-doc .badge", { hasText: "Paid" }).waitFor();
    await page.emulateMedia({ media: "print" });
    await screenshot(page, "console-invoice-print");
    await page.emulateMedia({ media: "screen" });
  });

  it("voids an open invoice, after a confirming second click", async () => {
    const { subscribe } = await api.ok(`mutation {
      createCustomer(input: { id: "globex", name: "Globex" }) { id }
      subscribe(customerId: "globex", planCode: "pro") { status }
    }`);
    expect(subscribe.status).toBe("ACTIVE");
    const { customer } = await api.ok(`{ customer(id: "globex") { invoices { id number } } }`);
    expect(customer.invoices.map((i: { number: string }) => i.number)).toEqual(["INV-000002"]);
    await page.goto(`${origin}/console/invoices/${customer.invoices[0].id}`);
    await page.getByRole("heading", { name: "Invoice INV-000002" }).waitFor();
    await page.getByRole("button", { name: "Void" }).click();
    await page.getByRole("button", { name: "Confirm void" }).click();
    await page.getByText("Invoice INV-000002 voided.").waitFor();
    await page.locator(".invoice-doc .badge", { hasText: "Void" }).waitFor();
    expect(await page.getByRole("button", { name: "Mark paid" }).count()).toBe(0);
    await checkPage("invoice-void");
  });

  it("grants credits (an error beside its field first) and changes plan after previewing the exact lines", async () => {
    await api.ok(`mutation {
      images: createFeature(input: { code: "images", name: "Images", kind: METERED, unit: "images" }) { code }
      studio: createPlan(input: { code: "studio", name: "Studio", model: CREDITS, basePrice: "30", interval: MONTH,
        includedCredits: "1000", features: [{ feature: "images", creditsPerUnit: "10" }] }) { code }
      studioPlus: createPlan(input: { code: "studio-plus", name: "Studio Plus", model: CREDITS, basePrice: "80",
        interval: MONTH, includedCredits: "4000", features: [{ feature: "images", creditsPerUnit: "10" }] }) { code }
      createCustomer(input: { id: "initech", name: "Initech" }) { id }
    }`);
    await api.ok(`mutation {
      subscribe(customerId: "initech", planCode: "studio") { status }
      trackUsage(input: { customerId: "initech", feature: "images", value: "25", idempotencyKey: "i-1" }) { replayed }
    }`);
    await page.goto(`${origin}/console/customers/initech`);
    await page.getByRole("heading", { name: "Initech" }).waitFor();

    const grant = page.getByRole("form", { name: "Grant credits" });
    await grant.getByLabel("Credits").fill("0");
    await grant.getByLabel("Reason").fill("Support case 4711");
    await grant.getByRole("button", { name: "Grant credits" }).click();
    const error = grant.locator('[data-field="grantCredits"]');
    await error.waitFor();
    expect(await error.textContent()).toBe("must be greater than zero");
    expect(await grant.getByLabel("Credits").getAttribute("aria-invalid")).toBe("true");
    expect(tab.errors.splice(0)).toEqual([]);
    await checkPage("grant-credits-error");
    await grant.getByLabel("Credits").fill("250");
    await grant.getByLabel("Expires on (optional)").fill("2026-03-01");
    await grant.getByRole("button", { name: "Grant credits" }).dblclick();
    await page.getByText("Granted 250 credits, expiring on 2026-03-01.").waitFor();
    await page.getByText("Granted credits (free)").waitFor();
    const wallet = await api.ok(`{ customer(id: "initech") { wallet { credits planCredits grantedCredits } } }`);
    // A double click grants once: 750 plan credits left + 250 granted.
    expect(wallet.customer.wallet).toEqual({ credits: "1000", planCredits: "750", grantedCredits: "250" });
    await checkPage("grant-credits");

    const change = page.getByRole("form", { name: "Change plan" });
    await change.getByLabel("New plan").selectOption("studio-plus");
    await change.getByRole("button", { name: "Preview change" }).click();
    const table = page.getByRole("table", { name: "Invoiced now for the change" });
    await table.waitFor();
    const preview = (
      await api.ok(
        `{ previewPlanChange(customerId: "initech", planCode: "studio-plus") { total lines { description quantity amount } } }`,
      )
    ).previewPlanChange;
    // 80.00 for Studio Plus less 30.00 x 750/1,000 (the grant left: 250 of 1,000 credits spent) for Studio.
    expect(preview.total).toBe("57.50");
    const rows = await table.locator("tbody tr").all();
    expect(await Promise.all(rows.map((r) => r.locator("td").allTextContents()))).toEqual(
      preview.lines.map((l: { description: string; quantity: string; amount: string }) => [
        l.description,
        l.quantity,
        `${l.amount} USD`,
      ]),
    );
    expect(await table.locator("tfoot tr").last().textContent()).toBe("Total57.50 USD");
    await checkPage("change-plan-preview");
    await change.getByRole("button", { name: "Confirm change" }).click();
    await page.getByText("Plan changed.").waitFor();
    const { customer } = await api.ok(
      `{ customer(id: "initech") { subscription { plan { code } } invoices { total } } }`,
    );
    expect(customer.subscription.plan.code).toBe("studio-plus");
    expect(customer.invoices[0].total).toBe("57.50");
  });

  it("creates an API key whose secret is shown once, and revokes it", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name").fill("backend");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-secret").textContent())!;
    expect(secret).toMatch(/^bk_test_/);
    expect((await api.gql("{ now }", {}, { key: secret })).status).toBe(200);
    await checkPage("api-keys");
    await page.reload();
    expect(await page.getByTestId("new-secret").count()).toBe(0);
    await page.getByRole("button", { name: "Revoke backend" }).click();
    await page.getByRole("button", { name: "Confirm revoking backend" }).click();
    await page.getByText(/^revoked /).waitFor();
    expect((await api.gql("{ now }", {}, { key: secret })).status).toBe(401);
  });

  it("signs out: the key is forgotten", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
