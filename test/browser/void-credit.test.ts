/**
 * A voided invoice that had applied account credit, in Debian's Chromium against the real server on
 * DynamoDB Local: the operator opens the renewal that took $4.00 of account credit, voids it with
 * the console's confirming second click, and sees it VOID with the $4.00 given back, and the
 * customer's account credit with it; the customer sees the same in the portal. A renewal the credit
 * paid in full offers no void, and a void that loses a race to a payment says so and shows the
 * invoice as it now is. On every page: axe-core finds no serious or critical violation, nothing is
 * requested from another origin, nothing is blocked (test/support/browser.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { TEST_KEY, type TestApi } from "../support/server";
import { type BrowserSuite, startBrowserSuite, type TrackedPage } from "../support/browser";

let suite: BrowserSuite;
let api: TestApi;
let page: Page;
let origin: string;
const checkPage = (name: string, p?: TrackedPage) => suite.check(name, p);

/** Each customer's renewal of 2026-02-01 (its newest invoice). */
const renewal: Record<string, string> = {};

// The test clock starts at 2026-01-01T00:00:00Z; `basic` renews on the 1st of each month for $10.00.
beforeAll(async () => {
  suite = await startBrowserSuite("void-credit");
  ({ api, page, origin } = suite);
  await api.ok(`mutation {
    createFeature(input: { code: "api_calls", name: "API calls", kind: METERED, unit: "calls" }) { code }
    createPlan(input: { code: "basic", name: "Basic", model: METERED, basePrice: "10", interval: MONTH,
      features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }] }) { code }
    acme: createCustomer(input: { id: "acme", name: "Acme Inc." }) { id }
    covered: createCustomer(input: { id: "covered", name: "Covered Co" }) { id }
    racer: createCustomer(input: { id: "racer", name: "Racer Ltd" }) { id }
  }`);
  await api.ok(`mutation {
    a: subscribe(customerId: "acme", planCode: "basic") { status }
    b: subscribe(customerId: "covered", planCode: "basic") { status }
    c: subscribe(customerId: "racer", planCode: "basic") { status }
  }`);
  await api.ok(`mutation {
    a: grantAccountCredit(customerId: "acme", amount: "4", reason: "goodwill", idempotencyKey: "acme-g") { id }
    b: grantAccountCredit(customerId: "covered", amount: "25", reason: "goodwill", idempotencyKey: "covered-g") { id }
    c: grantAccountCredit(customerId: "racer", amount: "4", reason: "goodwill", idempotencyKey: "racer-g") { id }
  }`);
  await api.ok(`mutation { advanceClock(to: "2026-02-01T00:00:00Z") }`);
  await api.ok("mutation { closeDuePeriods }");
  for (const c of ["acme", "covered", "racer"])
    renewal[c] = (
      await api.ok(`query($c: ID!) { customer(id: $c) { invoices(first: 1) { number } } }`, { c })
    ).customer.invoices[0].number;
  // Account credit granted after the renewal: the void's $4.00 comes on top of it.
  await api.ok(`mutation {
    grantAccountCredit(customerId: "acme", amount: "2.50", reason: "support case", idempotencyKey: "acme-later") { id }
  }`);
});
afterAll(() => suite?.close());

const facts = async (section: string, p: Page = page) => {
  const card = p.getByRole("region", { name: section });
  const terms = await card.locator("dt").allTextContents();
  const values = await card.locator("dd").allTextContents();
  return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
};
/** A table's rows (head, body and foot) as the texts of their cells. */
const rowsOf = async (p: Page, name: string) =>
  Promise.all(
    (await p.getByRole("table", { name }).locator("tr").all()).map((r) => r.locator("th, td").allTextContents()),
  );
const accountCredit = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { accountCredit } }`, { c })).customer.accountCredit;
const statusOf = async (id: string) =>
  (await api.ok(`query($id: ID!) { invoice(id: $id) { status } }`, { id })).invoice.status;

describe("voiding an invoice that applied account credit, in the console and the portal", () => {
  it("the operator opens the renewal that applied $4.00 of account credit: OPEN, 6.00 USD", async () => {
    await page.goto(`${origin}/console`);
    await page.getByLabel("API key").fill(TEST_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.goto(`${origin}/console/customers/acme`);
    await page.getByRole("heading", { name: "Acme Inc." }).waitFor();
    expect(await facts("Credits and balance")).toEqual({ "Account credit": "2.50 USD" });
    await checkPage("console-customer-before");
    await page.getByRole("link", { name: renewal.acme! }).click();
    await page.getByRole("heading", { name: `Invoice ${renewal.acme}` }).waitFor();
    expect(await page.locator(".invoice-doc .badge").textContent()).toBe("Open");
    // A renewal without usage names no period of its own: its base fee's line says which one it bills.
    expect(await page.locator(".invoice-doc header p").allTextContents()).toEqual([
      "Customer acme",
      "Issued 2026-02-01",
      "Open",
    ]);
    expect(await rowsOf(page, "Invoice lines")).toEqual([
      ["Description", "Quantity", "Unit price", "Amount"],
      ["Basic (2026-02-01 to 2026-03-01)", "1", "10.00 USD", "10.00 USD"],
      ["Account credit applied", "1", "-4.00 USD", "-4.00 USD"],
    ]);
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "6.00 USD"],
      ["Total", "6.00 USD"],
    ]);
    await checkPage("console-invoice-open");
  });

  it("voids it after a confirming second click: VOID, 4.00 USD returned, the account credit 2.50 + 4.00", async () => {
    await page.getByRole("button", { name: "Void" }).click();
    // The first click only asks: nothing is voided until the operator confirms.
    await page.getByRole("button", { name: "Confirm void" }).waitFor();
    await page.getByRole("button", { name: "Keep it" }).waitFor();
    expect(await statusOf(renewal.acme!)).toBe("OPEN");
    await checkPage("console-invoice-confirm");
    await page.getByRole("button", { name: "Confirm void" }).click();
    await page.getByText(`Invoice ${renewal.acme} voided.`).waitFor();
    await page.locator(".invoice-doc .badge", { hasText: "Void" }).waitFor();
    expect(await page.getByRole("button", { name: "Mark paid" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Void" }).count()).toBe(0);
    // The lines stay as issued; the credit the void gave back sits after the total, set apart.
    expect(await rowsOf(page, "Invoice lines")).toEqual([
      ["Description", "Quantity", "Unit price", "Amount"],
      ["Basic (2026-02-01 to 2026-03-01)", "1", "10.00 USD", "10.00 USD"],
      ["Account credit applied", "1", "-4.00 USD", "-4.00 USD"],
    ]);
    // The total is not due: said in the row's name, struck through, not bold like an amount to pay.
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "6.00 USD"],
      ["Total (void, not due)", "6.00 USD"],
      ["Account credit returned", "4.00 USD"],
    ]);
    expect(await page.locator(".totals .void-total td s").textContent()).toBe("6.00 USD");
    expect(await page.locator(".totals strong").count()).toBe(0);
    expect(await statusOf(renewal.acme!)).toBe("VOID");
    expect(await accountCredit("acme")).toBe("6.50");
    await checkPage("console-invoice-void");
    await page.getByRole("link", { name: "acme" }).click();
    await page.getByRole("heading", { name: "Acme Inc." }).waitFor();
    expect(await facts("Credits and balance")).toEqual({ "Account credit": "6.50 USD" });
    expect(await rowsOf(page, "Invoices, newest first")).toEqual([
      ["Number", "Date", "Status", "Total"],
      [renewal.acme, "2026-02-01", "Void", "6.00 USD"],
      ["INV-000001", "2026-01-01", "Open", "10.00 USD"],
    ]);
    await checkPage("console-customer-after");
  });

  it("the customer sees the account credit, the next invoice taking it, and the voided invoice in the portal", async () => {
    const { url } = (
      await api.ok(
        `mutation { createPortalSession(customerId: "acme", returnUrl: "http://localhost:3000/account") { url } }`,
      )
    ).createPortalSession;
    await suite.withTab(async (customer) => {
      const p = customer.page;
      await p.goto(url);
      await p.getByRole("heading", { name: "Acme Inc." }).waitFor();
      const credit = p.getByRole("region", { name: "Account credit" });
      expect(await credit.locator("p").allTextContents()).toEqual([
        "6.50 USD",
        "Taken off your next invoices before they are issued.",
      ]);
      expect(await rowsOf(p, "Upcoming invoice lines")).toEqual([
        ["Line", "Quantity", "Amount"],
        ["Basic (2026-03-01 to 2026-04-01)", "1", "10.00 USD"],
        ["Account credit applied", "1", "-6.50 USD"],
        ["Total", "3.50 USD"],
      ]);
      expect((await rowsOf(p, "Invoices, newest first"))[1]).toEqual([
        renewal.acme,
        "2026-02-01",
        "Basic (2026-02-01 to 2026-03-01), Account credit applied",
        "Void",
        "6.00 USD",
      ]);
      await checkPage("portal-home", customer);
      await p.getByRole("link", { name: renewal.acme! }).click();
      await p.getByRole("heading", { name: `Invoice ${renewal.acme}` }).waitFor();
      expect(await p.locator(".invoice-doc .badge").textContent()).toBe("Void");
      expect(await rowsOf(p, "Totals")).toEqual([
        ["Subtotal", "6.00 USD"],
        ["Total (void, not due)", "6.00 USD"],
        ["Account credit returned", "4.00 USD"],
      ]);
      await checkPage("portal-invoice-void", customer);
    });
  });

  it("a renewal the account credit paid in full is PAID: the console offers no void", async () => {
    await page.goto(`${origin}/console/invoices/${renewal.covered}`);
    await page.getByRole("heading", { name: `Invoice ${renewal.covered}` }).waitFor();
    expect(await page.locator(".invoice-doc .badge").textContent()).toBe("Paid");
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "0.00 USD"],
      ["Total", "0.00 USD"],
    ]);
    expect(await page.getByRole("button", { name: "Void" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Mark paid" }).count()).toBe(0);
    await checkPage("console-invoice-paid");
    await page.getByRole("link", { name: "covered" }).click();
    await page.getByRole("heading", { name: "Covered Co" }).waitFor();
    expect(await facts("Credits and balance")).toEqual({ "Account credit": "15.00 USD" });
  });

  it("a void that loses to a payment made meanwhile: the API's refusal, and the invoice as it now is (PAID)", async () => {
    await page.goto(`${origin}/console/invoices/${renewal.racer}`);
    await page.getByRole("heading", { name: `Invoice ${renewal.racer}` }).waitFor();
    await page.getByRole("button", { name: "Void" }).click();
    // The company's payment integration pays it while the operator hesitates.
    await api.ok(`mutation($id: ID!) { markInvoicePaid(id: $id) { status } }`, { id: renewal.racer });
    await page.getByRole("button", { name: "Confirm void" }).click();
    const refused = page.getByRole("alert");
    await refused.waitFor();
    expect(await refused.textContent()).toBe(`Not voided: invoice ${renewal.racer} is PAID and cannot become VOID`);
    await page.locator(".invoice-doc .badge", { hasText: "Paid" }).waitFor();
    expect(await page.getByRole("button", { name: "Void" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Mark paid" }).count()).toBe(0);
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "6.00 USD"],
      ["Total", "6.00 USD"],
    ]);
    expect(await statusOf(renewal.racer!)).toBe("PAID");
    expect(await accountCredit("racer")).toBe("0.00");
    await checkPage("console-invoice-race");
  });
});
