/**
 * The invoice as a customer reads it, in Debian's Chromium against the real server on DynamoDB
 * Local (web/shared/invoice.tsx, one page for the console and the portal): a renewal names the
 * usage period it bills while its base fee's line shows the next period, billed in advance; an
 * invoice without usage names no period of its own; a date range breaks only at its dash, never
 * inside a date; a void's total reads as not due; and what voiding a credit pack or a top-up took
 * back is a set of rows after the total, like the account credit a void returns. On every page:
 * axe-core finds no serious or critical violation, nothing is requested from another origin,
 * nothing is blocked (test/support/browser.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { TEST_KEY, type TestApi } from "../support/server";
import { type BrowserSuite, startBrowserSuite, type TrackedPage } from "../support/browser";

let suite: BrowserSuite;
let api: TestApi;
let page: Page;
let origin: string;
const checkPage = (name: string, p?: TrackedPage) => suite.check(name, p);

/** meter's renewal of 2026-02-01 (its newest invoice). */
let renewal: string;

// The test clock starts at 2026-01-01T00:00:00Z; every plan renews on the 1st of each month.
beforeAll(async () => {
  suite = await startBrowserSuite("invoice-document");
  ({ api, page, origin } = suite);
  await api.ok(`mutation {
    calls: createFeature(input: { code: "api_calls", name: "API calls", kind: METERED, unit: "calls" }) { code }
    images: createFeature(input: { code: "images", name: "Images", kind: METERED, unit: "images" }) { code }
    basic: createPlan(input: { code: "basic", name: "Basic", model: METERED, basePrice: "10", interval: MONTH,
      features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }] }) { code }
    creator: createPlan(input: { code: "creator", name: "Creator", model: CREDITS, basePrice: "49", interval: MONTH,
      includedCredits: "1000", features: [{ feature: "images", creditsPerUnit: "10" }] }) { code }
    usage: createPlan(input: { code: "usage", name: "Usage", model: BALANCE, basePrice: "100", interval: MONTH,
      features: [{ feature: "api_calls", unitPrice: "0.01" }] }) { code }
    createCreditPack(input: { code: "p500", name: "500 credits", credits: "500", price: "20" }) { code }
    meter: createCustomer(input: { id: "meter", name: "Meter Co" }) { id }
    packer: createCustomer(input: { id: "packer", name: "Packer Ltd" }) { id }
    topper: createCustomer(input: { id: "topper", name: "Topper Inc." }) { id }
  }`);
  // INV-000001, INV-000002, INV-000003: each first period's base fee.
  await api.ok(`mutation {
    a: subscribe(customerId: "meter", planCode: "basic") { status }
    b: subscribe(customerId: "packer", planCode: "creator") { status }
    c: subscribe(customerId: "topper", planCode: "usage") { status }
  }`);
  // meter: 150 calls, 50 over the 100 included (0.50 USD of overage at the close).
  await api.ok(`mutation {
    trackUsage(input: { customerId: "meter", feature: "api_calls", value: "150", idempotencyKey: "m-1" }) { replayed }
  }`);
  // packer: a pack of 500 credits (INV-000004), 1,200 credits spent (1,000 plan + 200 of the pack), then voided.
  await api.ok(
    `mutation { purchaseCreditPack(customerId: "packer", packCode: "p500", idempotencyKey: "p-1") { credits } }`,
  );
  await api.ok(`mutation {
    trackUsage(input: { customerId: "packer", feature: "images", value: "120", idempotencyKey: "p-2" }) { replayed }
  }`);
  // topper: a top-up of 50.00 USD (INV-000005), nothing spent, then voided.
  await api.ok(`mutation { topUpBalance(customerId: "topper", amount: "50", idempotencyKey: "t-1") { topUps } }`);
  await api.ok(`mutation {
    p: voidInvoice(id: "INV-000004") { status }
    t: voidInvoice(id: "INV-000005") { status }
  }`);
  await api.ok(`mutation { advanceClock(to: "2026-02-01T00:00:00Z") }`);
  await api.ok("mutation { closeDuePeriods }");
  renewal = (await api.ok(`{ customer(id: "meter") { invoices(first: 1) { number } } }`)).customer.invoices[0].number;
});
afterAll(() => suite?.close());

/** The invoice header's lines: who, when, which period; and its status. */
const headerOf = (p: Page) => p.locator(".invoice-doc header p").allTextContents();
/** A table's rows (head, body and foot) as the texts of their cells. */
const rowsOf = async (p: Page, name: string) =>
  Promise.all(
    (await p.getByRole("table", { name }).locator("tr").all()).map((r) => r.locator("th, td").allTextContents()),
  );
/**
 * The dates kept whole in `scope`: each date's text and how many line boxes it takes (1: not
 * broken; a date's hyphens are otherwise places to break a line).
 */
const dateBoxes = (scope: Locator) =>
  scope.locator("span.nowrap").evaluateAll((spans) => spans.map((s) => [s.textContent, s.getClientRects().length]));
/** The value of a fact (a dd after its dt) in a section. */
const fact = (p: Page, section: string, term: string) =>
  p
    .getByRole("region", { name: section })
    .locator("div")
    .filter({ has: p.getByText(term, { exact: true }) })
    .locator("dd");
const portalUrl = async (c: string): Promise<string> =>
  (
    await api.ok(
      `mutation($c: ID!) { createPortalSession(customerId: $c, returnUrl: "http://localhost:3000/account") { url } }`,
      { c },
    )
  ).createPortalSession.url;
const openInvoice = async (p: Page, number: string) => {
  await p.getByRole("heading", { name: `Invoice ${number}` }).waitFor();
};

describe("the invoice as a customer reads it, in the console and the portal", () => {
  it("a renewal names the usage period it bills; its base fee's line shows the next period, billed in advance", async () => {
    await page.goto(`${origin}/console`);
    await page.getByLabel("API key").fill(TEST_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.goto(`${origin}/console/invoices/${renewal}`);
    await openInvoice(page, renewal);
    expect(await headerOf(page)).toEqual([
      "Customer meter",
      "Issued 2026-02-01",
      "Usage period 2026-01-01 – 2026-02-01",
      "Open",
    ]);
    // Each line shows the period it bills: the overage the closed one, the base fee the next one.
    expect(await rowsOf(page, "Invoice lines")).toEqual([
      ["Description", "Quantity", "Unit price", "Amount"],
      ["api_calls beyond the included units2026-01-01 – 2026-02-01", "50", "0.01 USD", "0.50 USD"],
      ["Basic (2026-02-01 to 2026-03-01)", "1", "10.00 USD", "10.00 USD"],
    ]);
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "10.50 USD"],
      ["Total", "10.50 USD"],
    ]);
    expect(await page.locator(".totals strong").textContent()).toBe("10.50 USD");
    expect(await dateBoxes(page.locator(".invoice-doc"))).toEqual([
      ["2026-01-01", 1],
      ["2026-02-01", 1],
      ["2026-01-01", 1],
      ["2026-02-01", 1],
      ["2026-02-01", 1],
      ["2026-03-01", 1],
    ]);
    await checkPage("console-renewal");
  });

  it("the first period's base fee, billed in advance, names no period but its line's", async () => {
    await page.goto(`${origin}/console/invoices/INV-000001`);
    await openInvoice(page, "INV-000001");
    expect(await headerOf(page)).toEqual(["Customer meter", "Issued 2026-01-01", "Open"]);
    expect(await rowsOf(page, "Invoice lines")).toEqual([
      ["Description", "Quantity", "Unit price", "Amount"],
      ["Basic (2026-01-01 to 2026-02-01)", "1", "10.00 USD", "10.00 USD"],
    ]);
    await checkPage("console-first-invoice");
  });

  it("the customer page's Period breaks only at its dash, each date whole", async () => {
    await page.goto(`${origin}/console/customers/meter`);
    await page.getByRole("heading", { name: "Meter Co" }).waitFor();
    const period = fact(page, "Subscription", "Period");
    expect(await period.textContent()).toBe("2026-02-01 – 2026-03-01");
    expect(await dateBoxes(period)).toEqual([
      ["2026-02-01", 1],
      ["2026-03-01", 1],
    ]);
    await checkPage("console-customer");
  });

  it("a voided credit pack: the total not due; what the void took back as rows after it", async () => {
    await page.goto(`${origin}/console/invoices/INV-000004`);
    await openInvoice(page, "INV-000004");
    expect(await headerOf(page)).toEqual(["Customer packer", "Issued 2026-01-01", "Void"]);
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "20.00 USD"],
      ["Total (void, not due)", "20.00 USD"],
      ["Credits taken back", "500 credits"],
      ["Unspent", "300 credits"],
      ["Spent, now owed", "200 credits"],
    ]);
    // Not bold like an amount to pay: struck through, in the muted colour (axe checks its contrast).
    expect(await page.locator(".totals .void-total td s").textContent()).toBe("20.00 USD");
    expect(await page.locator(".totals strong").count()).toBe(0);
    expect(await page.locator(".invoice-doc .hint").count()).toBe(0);
    await checkPage("console-void-pack");
  });

  it("a voided top-up: what it took back in money", async () => {
    await page.goto(`${origin}/console/invoices/INV-000005`);
    await openInvoice(page, "INV-000005");
    expect(await rowsOf(page, "Totals")).toEqual([
      ["Subtotal", "50.00 USD"],
      ["Total (void, not due)", "50.00 USD"],
      ["Top-up taken back", "50.00 USD"],
      ["Unspent", "50.00 USD"],
      ["Spent, now owed", "0.00 USD"],
    ]);
    await checkPage("console-void-top-up");
  });

  it("in the portal: the current period and the renewal's usage period, each date whole", async () => {
    const url = await portalUrl("meter");
    await suite.withTab(async (customer) => {
      const p = customer.page;
      await p.goto(url);
      await p.getByRole("heading", { name: "Meter Co" }).waitFor();
      const current = fact(p, "Plan", "Current period");
      expect(await current.textContent()).toBe("2026-02-01 – 2026-03-01");
      expect(await dateBoxes(current)).toEqual([
        ["2026-02-01", 1],
        ["2026-03-01", 1],
      ]);
      await checkPage("portal-home", customer);
      await p.getByRole("link", { name: renewal }).click();
      await openInvoice(p, renewal);
      expect(await headerOf(p)).toEqual(["Issued 2026-02-01", "Usage period 2026-01-01 – 2026-02-01", "Open"]);
      await checkPage("portal-renewal", customer);
    });
  });

  it("on a phone: the invoices' descriptions and the renewal's lines keep their dates whole; the lines scroll by keyboard", async () => {
    const url = await portalUrl("meter");
    await suite.withTab(
      async (customer) => {
        const p = customer.page;
        await p.goto(url);
        await p.getByRole("heading", { name: "Meter Co" }).waitFor();
        const invoices = p.getByRole("table", { name: "Invoices, newest first" });
        expect(await dateBoxes(invoices)).toEqual([
          ["2026-02-01", 1],
          ["2026-03-01", 1],
          ["2026-01-01", 1],
          ["2026-02-01", 1],
        ]);
        await checkPage("portal-home-phone", customer);
        await p.getByRole("link", { name: renewal }).click();
        await openInvoice(p, renewal);
        // Wider than the screen, the lines scroll sideways in a region the keyboard can focus (axe checks it).
        expect(await p.getByRole("region", { name: "Invoice lines" }).getAttribute("tabindex")).toBe("0");
        expect(await dateBoxes(p.locator(".invoice-doc"))).toEqual([
          ["2026-01-01", 1],
          ["2026-02-01", 1],
          ["2026-01-01", 1],
          ["2026-02-01", 1],
          ["2026-02-01", 1],
          ["2026-03-01", 1],
        ]);
        await checkPage("portal-renewal-phone", customer);
      },
      { viewport: { width: 390, height: 844 } },
    );
  });

  it("in the portal: the voided credit pack as the console shows it", async () => {
    const url = await portalUrl("packer");
    await suite.withTab(async (customer) => {
      const p = customer.page;
      await p.goto(url);
      await p.getByRole("heading", { name: "Packer Ltd" }).waitFor();
      await p.getByRole("link", { name: "INV-000004" }).click();
      await openInvoice(p, "INV-000004");
      expect(await rowsOf(p, "Totals")).toEqual([
        ["Subtotal", "20.00 USD"],
        ["Total (void, not due)", "20.00 USD"],
        ["Credits taken back", "500 credits"],
        ["Unspent", "300 credits"],
        ["Spent, now owed", "200 credits"],
      ]);
      await checkPage("portal-void-pack", customer);
    });
  });
});
