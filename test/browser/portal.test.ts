/**
 * The customer portal in Debian's Chromium against the real server on DynamoDB Local (issue 20):
 * open a session URL (the token leaves the address bar for session storage), see the exact plan,
 * usage, credits and balance, buy a pack with a double click (one invoice), pay it in test mode and
 * see the credits arrive, see a voided purchase grant nothing, top up, see AI usage with its model,
 * tokens and cost, print an invoice, cancel at period end and undo it, open reservations, the states of a customer
 * without a subscription and of a plan without credits, a phone-sized screen, and an expired link.
 * On every page: axe-core finds no serious or critical violation, nothing is requested from another
 * origin, and nothing is blocked (no console error, CSP violations included).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { realClock } from "../../core/clock";
import { createBillingYoga } from "../../schema/yoga";
import { withWebApps } from "../../web/server/node";
import { TEST_KEY, type TestApi } from "../support/server";
import { type BrowserSuite, builtWebAssets, startBrowserSuite, type TrackedPage } from "../support/browser";

let suite: BrowserSuite;
let api: TestApi;
let tab: TrackedPage;
let page: Page;
let origin: string;
/** Accessible, same-origin only, no errors; and a screenshot (test/support/browser.ts). */
const checkPage = (name: string, p?: TrackedPage) => suite.check(name, p);

// The test clock starts at 2026-01-01T00:00:00Z.
beforeAll(async () => {
  suite = await startBrowserSuite("portal");
  ({ api, tab, page, origin } = suite);
  await api.ok(`mutation {
    images: createFeature(input: { code: "images", name: "Images", kind: METERED, unit: "images" }) { code }
    assistant: createFeature(input: { code: "assistant", name: "Assistant", kind: METERED, unit: "tokens" }) { code }
    calls: createFeature(input: { code: "calls", name: "API calls", kind: METERED, unit: "calls" }) { code }
    upsertAiModel(id: "acme/model-one", inputPrice: "3", outputPrice: "15") { id }
    creator: createPlan(input: { code: "creator", name: "Creator", model: CREDITS, basePrice: "49", interval: MONTH,
      includedCredits: "1000", features: [{ feature: "images", creditsPerUnit: "10" }], group: "studio", rank: 2 }) { code }
    pro: createPlan(input: { code: "pro", name: "Pro", model: BALANCE, basePrice: "20", interval: MONTH,
      features: [{ feature: "assistant", pricing: AI_MODEL, marginBps: 4000 }], group: "studio", rank: 5 }) { code }
    hobby: createPlan(input: { code: "hobby", name: "Hobby", model: CREDITS, basePrice: "19", interval: MONTH,
      includedCredits: "300", features: [{ feature: "images", creditsPerUnit: "10" }], group: "studio", rank: 1 }) { code }
    agency: createPlan(input: { code: "agency", name: "Agency", model: CREDITS, basePrice: "99", interval: MONTH,
      includedCredits: "3000", features: [{ feature: "images", creditsPerUnit: "10" }], group: "studio", rank: 3 }) { code }
    elsewhere: createPlan(input: { code: "elsewhere", name: "Elsewhere", model: CREDITS, basePrice: "5", interval: MONTH,
      includedCredits: "50", features: [{ feature: "images", creditsPerUnit: "10" }], group: "other", rank: 9 }) { code }
    starter: createPlan(input: { code: "starter", name: "Starter", model: METERED, basePrice: "10", interval: MONTH,
      features: [{ feature: "calls", included: "100", overagePrice: "0.01" }] }) { code }
    createCreditPack(input: { code: "p500", name: "500 credits", credits: "500", price: "20" }) { code }
    studio: createCustomer(input: { id: "studio", name: "Studio Ltd" }) { id }
    acme: createCustomer(input: { id: "acme", name: "Acme Inc." }) { id }
    solo: createCustomer(input: { id: "solo", name: "Solo" }) { id }
    meter: createCustomer(input: { id: "meter", name: "Meter Co" }) { id }
    lena: createCustomer(input: { id: "lena", name: "Lena Studio" }) { id }
  }`);
  await api.ok(`mutation {
    a: subscribe(customerId: "studio", planCode: "creator") { status }
    b: subscribe(customerId: "acme", planCode: "pro") { status }
    c: subscribe(customerId: "meter", planCode: "starter") { status }
  }`);
  await api.ok(`mutation {
    a: trackUsage(input: { customerId: "studio", feature: "images", value: "12", idempotencyKey: "img-1" }) { replayed }
    b: trackUsage(input: { customerId: "acme", feature: "assistant", idempotencyKey: "req-1",
      model: "acme/model-one", inputTokens: 1200, outputTokens: 350 }) { event { cost } }
    c: trackUsage(input: { customerId: "meter", feature: "calls", value: "40", idempotencyKey: "m-1" }) { replayed }
  }`);
});
afterAll(() => suite?.close());

const sessionUrl = async (customerId: string, ttlSeconds = 1800) =>
  (
    await api.ok(
      `mutation($c: ID!, $t: Int) { createPortalSession(customerId: $c, returnUrl: "http://localhost:3000/account", ttlSeconds: $t) { url } }`,
      { c: customerId, t: ttlSeconds },
    )
  ).createPortalSession.url as string;

const facts = async (section: string) => {
  const card = page.getByRole("region", { name: section });
  const terms = await card.locator("dt").allTextContents();
  const values = await card.locator("dd").allTextContents();
  return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
};
const invoicesOf = async (customerId: string) =>
  (
    await api.ok(`query($c: ID!) { customer(id: $c) { invoices { id number status lines { kind } } } }`, {
      c: customerId,
    })
  ).customer.invoices as { id: string; number: string; status: string; lines: { kind: string }[] }[];

describe("the customer portal", () => {
  it("opens a session URL: the token leaves the address bar for session storage; plan, usage and credits are exact", async () => {
    const url = await sessionUrl("studio");
    const token = new URLSearchParams(new URL(url).hash.slice(1)).get("token")!;
    await page.goto(url);
    await page.getByRole("heading", { name: "Studio Ltd" }).waitFor();
    expect(page.url()).toBe(`${origin}/portal`);
    expect(await page.evaluate(() => sessionStorage.getItem("billing.portal.token"))).toBe(token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // Only the fragment carried the token: no request URL did.
    expect(tab.requests.some((u) => u.includes(token))).toBe(false);
    expect(await facts("Plan")).toEqual({
      Plan: "Creator",
      Price: "49.00 USD per month",
      "Current period": "2026-01-01 – 2026-02-01",
      "Days left": "31",
    });
    expect(await facts("Credits")).toEqual({
      "Plan credits": "880 of 1,000, reset on 2026-02-01",
      "Purchased credits": "0, never expire",
    });
    await page.getByText("880 credits left").waitFor();
    const bar = page.getByRole("progressbar", { name: "Plan credits left" });
    expect(await bar.getAttribute("aria-valuenow")).toBe("88");
    expect(await bar.getAttribute("aria-valuetext")).toBe("880 of 1,000 credits");
    const usage = page.getByRole("table", { name: "Recent usage, newest first" });
    expect(await usage.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      "2026-01-01 00:00 UTC",
      "images",
      "—",
      "—",
      "120 credits",
    ]);
    await page.getByRole("link", { name: "Back to the app" }).first().waitFor();
    expect(await page.getByRole("link", { name: "Back to the app" }).first().getAttribute("href")).toBe(
      "http://localhost:3000/account",
    );
    await checkPage("credits");
  });

  it("buys a pack with a double click: one invoice, nothing granted until paid; paid in test mode, the credits arrive", async () => {
    await page.getByRole("button", { name: "Buy 500 credits for 20.00 USD" }).dblclick();
    await page.getByText("Invoice INV-000004 for 20.00 USD was created. The credits arrive once it is paid.").waitFor();
    const packs = (await invoicesOf("studio")).filter((i) => i.lines[0]!.kind === "CREDIT_PACK");
    expect(packs.map((i) => [i.number, i.status])).toEqual([["INV-000004", "OPEN"]]);
    const awaiting = page.getByRole("region", { name: "Awaiting payment" });
    await awaiting.getByText("20.00 USD awaits payment.").waitFor();
    await page.getByText("880 credits left").waitFor();
    await checkPage("awaiting-payment");

    await page.getByRole("button", { name: "Pay INV-000004 (test mode)" }).click();
    await page.getByText("1,380 credits left").waitFor();
    expect(await facts("Credits")).toEqual({
      "Plan credits": "880 of 1,000, reset on 2026-02-01",
      "Purchased credits": "500, never expire",
    });
    expect(await page.getByRole("region", { name: "Awaiting payment" }).count()).toBe(0);
    const wallet = await api.ok(`{ customer(id: "studio") { wallet { credits purchasedCredits } } }`);
    expect(wallet.customer.wallet).toEqual({ credits: "1380", purchasedCredits: "500" });
  });

  it("a voided purchase grants nothing", async () => {
    await page.getByRole("button", { name: "Buy 500 credits for 20.00 USD" }).click();
    await page.getByText("Invoice INV-000005 for 20.00 USD was created.", { exact: false }).waitFor();
    await api.ok(`mutation { voidInvoice(id: "INV-000005") { status } }`);
    await page.reload();
    await page.getByRole("heading", { name: "Studio Ltd" }).waitFor();
    await page.getByText("1,380 credits left").waitFor();
    expect(await page.getByRole("region", { name: "Awaiting payment" }).count()).toBe(0);
    const row = page.getByRole("table", { name: "Invoices, newest first" }).locator("tbody tr").first();
    expect(await row.locator("td").allTextContents()).toEqual([
      "INV-000005",
      "2026-01-01",
      "500 credits (500 credits)",
      "Void",
      "20.00 USD",
    ]);
    expect(await api.ok(`{ customer(id: "studio") { wallet { credits } } }`)).toEqual({
      customer: { wallet: { credits: "1380" } },
    });
  });

  it("shows an invoice as a printable page", async () => {
    await page.getByRole("link", { name: "INV-000004" }).click();
    await page.getByRole("heading", { name: "Invoice INV-000004" }).waitFor();
    expect(page.url()).toBe(`${origin}/portal/invoices/INV-000004`);
    const totals = page.getByRole("table", { name: "Totals" });
    expect(await totals.locator("tr").allTextContents()).toEqual(["Subtotal20.00 USD", "Total20.00 USD"]);
    await checkPage("invoice");
    await page.emulateMedia({ media: "print" });
    expect(await page.getByRole("button", { name: "Print" }).isVisible()).toBe(false);
    await page.emulateMedia({ media: "screen" });
    await page.getByRole("link", { name: "Back to billing" }).click();
    await page.getByRole("heading", { name: "Studio Ltd" }).waitFor();
  });

  it("cancels at period end and keeps the subscription again", async () => {
    await page.getByRole("button", { name: "Cancel subscription" }).click();
    await page.getByRole("button", { name: "Yes, cancel at period end" }).click();
    await page.getByText("Your subscription ends on 2026-02-01.").waitFor();
    await checkPage("canceling");
    await page.getByRole("button", { name: "Keep my subscription" }).click();
    await page.getByRole("button", { name: "Cancel subscription" }).waitFor();
    expect(await page.getByText("Your subscription ends on").count()).toBe(0);
  });

  it("on a balance plan: the exact AI usage and balance; a top-up out of bounds is refused beside its field, one in bounds arrives when paid", async () => {
    await page.goto(await sessionUrl("acme"));
    await page.getByRole("heading", { name: "Acme Inc." }).waitFor();
    await page.getByText("19.98761 USD").first().waitFor();
    expect(await facts("Balance")).toEqual({
      Allowance: "19.98761 USD of 20.00 USD, resets on 2026-02-01",
      "Top-ups": "0.00 USD, never expire",
      "Spent this period": "0.01239 USD",
    });
    const usage = page.getByRole("table", { name: "Recent usage, newest first" });
    expect(await usage.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      "2026-01-01 00:00 UTC",
      "assistant",
      "acme/model-one",
      "1,200 / 350",
      "0.01239 USD",
    ]);
    const amount = page.getByLabel("Amount (USD)");
    await amount.fill("4");
    await page.getByRole("button", { name: "Top up", exact: true }).click();
    await page.getByText("amount must be at least 5 (in the customer's currency)").waitFor();
    expect(await amount.getAttribute("aria-invalid")).toBe("true");
    expect(tab.errors.splice(0)).toEqual([]);
    await checkPage("top-up-error");
    await amount.fill("25");
    await page.getByRole("button", { name: "Top up", exact: true }).click();
    await page.getByText("The funds arrive once it is paid.", { exact: false }).waitFor();
    await page.getByRole("button", { name: /Pay INV-\d+ \(test mode\)/ }).click();
    await page.getByText("44.98761 USD").first().waitFor();
    expect((await facts("Balance"))["Top-ups"]).toBe("25.00 USD, never expire");
    await checkPage("balance");
  });

  it("with this token, another customer's id answers exactly as a customer that does not exist", async () => {
    const answers = await page.evaluate(async () => {
      const token = sessionStorage.getItem("billing.portal.token")!;
      const ask = async (id: string) => {
        const response = await fetch("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query: `query($id: ID!) { customer(id: $id) { id wallet { credits } } }`,
            variables: { id },
          }),
        });
        return { status: response.status, body: await response.json() };
      };
      return { other: await ask("studio"), missing: await ask("no-such-customer"), own: await ask("acme") };
    });
    expect(answers.other).toEqual(answers.missing);
    expect(answers.other.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([
      "FORBIDDEN",
    ]);
    expect(answers.own.body.data.customer.id).toBe("acme");
  });

  it("states: a customer without a subscription, and a plan without credits", async () => {
    await page.goto(await sessionUrl("solo"));
    await page.getByRole("heading", { name: "Solo" }).waitFor();
    await page.getByText("You have no active subscription.").waitFor();
    await checkPage("no-subscription");
    await page.goto(await sessionUrl("meter"));
    await page.getByRole("heading", { name: "Meter Co" }).waitFor();
    await page
      .getByText(
        "Your plan Starter has no credits or prepaid balance: usage beyond what it includes is billed at the end of each period.",
      )
      .waitFor();
    const bar = page.getByRole("progressbar", { name: "API calls used" });
    expect(await bar.getAttribute("aria-valuetext")).toBe("40 of 100 calls");
    await checkPage("metered");
  });

  it("a customer on a free trial (TRIALING) sees its plan and may change or cancel it", async () => {
    await api.ok(`mutation {
      createCustomer(input: { id: "tria", name: "Tria" }) { id }
      subscribe(customerId: "tria", planCode: "creator", trialDays: 14) { status }
    }`);
    expect((await api.ok(`{ customer(id: "tria") { subscription { status } } }`)).customer.subscription.status).toBe(
      "TRIALING",
    );
    await page.goto(await sessionUrl("tria"));
    await page.getByRole("heading", { name: "Tria" }).waitFor();
    expect((await facts("Plan")).Plan).toBe("Creator");
    await page.getByRole("button", { name: "Cancel subscription" }).waitFor();
    await page.getByRole("button", { name: "Upgrade to Agency" }).waitFor();
    expect(await page.getByText("You have no active subscription.").count()).toBe(0);
  });

  it("fits a phone-sized screen", async () => {
    const url = await sessionUrl("studio");
    await suite.withTab(
      async (phone) => {
        await phone.page.goto(url);
        await phone.page.getByText("1,380 credits left").waitFor();
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth);
        expect(overflow).toBeLessThanOrEqual(390);
        await checkPage("phone", phone);
      },
      { viewport: { width: 390, height: 844 } },
    );
  });

  it("in production, a purchase awaits payment with a link to the company's app, and no pay button", async () => {
    // The same table behind a real-clock (production) server: test mode off.
    const live = createServer(
      withWebApps(
        builtWebAssets(),
        createBillingYoga({ deps: { ...api.deps, clock: realClock }, apiKey: TEST_KEY, auditLog: () => {} }),
      ),
    );
    await new Promise<void>((resolve) => live.listen(0, "127.0.0.1", resolve));
    const liveOrigin = `http://127.0.0.1:${(live.address() as AddressInfo).port}`;
    const send = async (query: string) =>
      (
        (await (
          await fetch(`${liveOrigin}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` },
            body: JSON.stringify({ query }),
          })
        ).json()) as { data: any }
      ).data;
    try {
      await suite.withTab(async (view) => {
        await send(`mutation { createCustomer(input: { id: "live", name: "Live Co" }) { id } }`);
        await send(`mutation { subscribe(customerId: "live", planCode: "creator") { status } }`);
        const { url } = (
          await send(
            `mutation { createPortalSession(customerId: "live", returnUrl: "https://app.example.com/billing") { url } }`,
          )
        ).createPortalSession;
        await view.page.goto(url);
        await view.page.getByRole("heading", { name: "Live Co" }).waitFor();
        await view.page.getByRole("button", { name: "Buy 500 credits for 20.00 USD" }).click();
        const awaiting = view.page.getByRole("region", { name: "Awaiting payment" });
        await awaiting.getByText("20.00 USD awaits payment.").waitFor();
        expect(await awaiting.getByRole("button").count()).toBe(0);
        expect(await awaiting.getByRole("link", { name: "Complete the payment in the app" }).getAttribute("href")).toBe(
          "https://app.example.com/billing",
        );
        await checkPage("production-awaiting-payment", {
          ...view,
          requests: view.requests.map((u) => u.replace(liveOrigin, origin)),
        });
        await view.page.getByText("1,000 credits left").waitFor();
      });
    } finally {
      await new Promise<void>((resolve) => {
        live.close(() => resolve());
        live.closeAllConnections();
      });
    }
  });

  it("an operator opens a customer's portal from the console's Portal link", async () => {
    await suite.withTab(async (operator) => {
      await operator.page.goto(`${origin}/console`);
      await operator.page.evaluate((key) => sessionStorage.setItem("billing.apiKey", key), TEST_KEY);
      await operator.page.goto(`${origin}/console/customers/studio`);
      await operator.page.getByRole("button", { name: "Portal link" }).click();
      const link = operator.page.getByRole("link", { name: "Open the customer's portal" });
      await link.waitFor();
      const href = (await link.getAttribute("href"))!;
      expect(href).toMatch(new RegExp(`^${origin}/portal#token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
      await checkPage("console-portal-link", operator);
      await suite.withTab(async (customerView) => {
        await customerView.page.goto(href);
        await customerView.page.getByText("1,380 credits left").waitFor();
      });
    });
  });

  it("shows the upcoming invoice, and changes plan within the plan group after showing the preview's exact lines", async () => {
    const PREVIEW = `query($p: ID!, $t: ChangeTiming) { previewPlanChange(customerId: "lena", planCode: $p, timing: $t) { total lines { description quantity amount } } }`;
    const rowsOf = async (caption: string) =>
      (await page.getByRole("table", { name: caption }).locator("tbody tr").all()).map((row) =>
        row.locator("td").allTextContents(),
      );
    await api.ok(`mutation {
      subscribe(customerId: "lena", planCode: "creator") { status }
      trackUsage(input: { customerId: "lena", feature: "images", value: "3", idempotencyKey: "l-1" }) { replayed }
    }`);
    const upcoming = (
      await api.ok(`{ upcomingInvoice(customerId: "lena") { total lines { description quantity amount } } }`)
    ).upcomingInvoice;
    expect(upcoming.total).toBe("49.00");
    await page.goto(await sessionUrl("lena"));
    await page.getByRole("heading", { name: "Lena Studio" }).waitFor();
    const upcomingRows = await Promise.all(await rowsOf("Upcoming invoice lines"));
    expect(upcomingRows).toEqual(
      upcoming.lines.map((l: { description: string; quantity: string; amount: string }) => [
        l.description,
        l.quantity,
        `${l.amount} USD`,
      ]),
    );
    // Only the plans of its group with its model: not Pro (BALANCE), not Elsewhere (another group).
    const plan = page.getByRole("region", { name: "Plan" });
    expect(await plan.getByRole("button", { name: /^(Upgrade|Switch) to / }).allTextContents()).toEqual([
      "Switch to Hobby",
      "Upgrade to Agency",
    ]);
    await checkPage("change-plan-choices");

    // An upgrade: now, with the exact lines previewPlanChange gives, invoiced as previewed.
    const up = (await api.ok(PREVIEW, { p: "agency", t: "IMMEDIATE" })).previewPlanChange;
    // 99.00 for Agency less 49.00 x 970/1000 (the grant left: 30 of 1,000 credits spent) for Creator.
    expect(up.total).toBe("51.47");
    await page.getByRole("button", { name: "Upgrade to Agency" }).click();
    await page.getByRole("table", { name: "Invoiced now for the change" }).waitFor();
    expect(await Promise.all(await rowsOf("Invoiced now for the change"))).toEqual(
      up.lines.map((l: { description: string; quantity: string; amount: string }) => [
        l.description,
        l.quantity,
        `${l.amount} USD`,
      ]),
    );
    await checkPage("upgrade-preview");
    await page.getByRole("button", { name: "Confirm upgrade (51.47 USD invoiced now)" }).click();
    await page.getByText("You are now on Agency.").waitFor();
    await plan.locator("dd", { hasText: "Agency" }).waitFor();
    expect((await facts("Plan")).Plan).toBe("Agency");
    const [issued] = await invoicesOf("lena");
    const total = (await api.ok(`query($i: ID!) { invoice(id: $i) { total } }`, { i: issued!.id })).invoice.total;
    expect(total).toBe("51.47");

    // A downgrade: at the period end; nothing now, the preview is the renewal invoice.
    const down = (await api.ok(PREVIEW, { p: "hobby", t: "PERIOD_END" })).previewPlanChange;
    await page.getByRole("button", { name: "Switch to Hobby" }).click();
    await page.getByRole("table", { name: "Your invoice at the period end" }).waitFor();
    expect(await Promise.all(await rowsOf("Your invoice at the period end"))).toEqual(
      down.lines.map((l: { description: string; quantity: string; amount: string }) => [
        l.description,
        l.quantity,
        `${l.amount} USD`,
      ]),
    );
    await page.getByRole("button", { name: "Confirm the change on 2026-02-01" }).click();
    await page.getByText("Your plan changes to Hobby on 2026-02-01.").first().waitFor();
    expect((await invoicesOf("lena")).length).toBe(2);
    await checkPage("downgrade-scheduled");
    await page.getByRole("button", { name: "Keep Agency" }).click();
    await page.getByRole("button", { name: "Switch to Hobby" }).waitFor();
    expect(
      (await api.ok(`{ customer(id: "lena") { subscription { plan { code } scheduledPlan { code } } } }`)).customer
        .subscription,
    ).toEqual({ plan: { code: "agency" }, scheduledPlan: null });
  });

  it("lists open reservations (what the product set aside, read-only); released ones leave the list", async () => {
    await api.ok(`mutation {
      h: createCustomer(input: { id: "holder", name: "Holder" }) { id }
      s: subscribe(customerId: "holder", planCode: "creator") { status }
    }`);
    const reserve = async (key: string, value: string, ttlSeconds: number) =>
      (
        await api.ok(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id createdAt expiresAt } }`, {
          i: { customerId: "holder", feature: "images", value, idempotencyKey: key, ttlSeconds },
        })
      ).reserveUsage as { id: string; createdAt: string; expiresAt: string };
    const big = await reserve("render-1", "30", 600);
    const small = await reserve("render-2", "5", 3600);
    const shown = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
    await page.goto(await sessionUrl("holder"));
    await page.getByRole("heading", { name: "Holder" }).waitFor();
    await page.getByText("650 credits left").waitFor();
    expect(await facts("Credits")).toEqual({
      "Plan credits": "650 of 1,000, reset on 2026-02-01",
      "Purchased credits": "0, never expire",
      "Held for work in progress": "350, see open reservations",
    });
    const list = page.getByRole("table", { name: "Open reservations, oldest first" });
    const rows = async () =>
      Promise.all((await list.locator("tbody tr").all()).map((row) => row.locator("td").allTextContents()));
    expect(await rows()).toEqual([
      [shown(big.createdAt), "images", "300 credits", shown(big.expiresAt)],
      [shown(small.createdAt), "images", "50 credits", shown(small.expiresAt)],
    ]);
    // Read-only: the portal offers nothing to do with a hold.
    expect(await page.getByRole("region", { name: "Open reservations" }).getByRole("button").count()).toBe(0);
    await checkPage("reservations");

    await api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id: big.id });
    await page.reload();
    await page.getByText("950 credits left").waitFor();
    expect(await rows()).toEqual([[shown(small.createdAt), "images", "50 credits", shown(small.expiresAt)]]);
    await api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id: small.id });
    await page.reload();
    await page.getByText("1,000 credits left").waitFor();
    expect(await page.getByRole("region", { name: "Open reservations" }).count()).toBe(0);
  });

  it("an expired link shows the expired state; a page without a session too", async () => {
    const url = await sessionUrl("studio", 60);
    await api.ok(`mutation { advanceClock(to: "2026-01-01T00:02:00Z") }`);
    await page.goto(url);
    await page.getByRole("heading", { name: "This billing link has expired" }).waitFor();
    expect(await page.getByRole("link", { name: "Back to the app" }).first().getAttribute("href")).toBe(
      "http://localhost:3000/account",
    );
    // The refused request is the one error the browser logs here.
    expect(tab.errors.splice(0)).toEqual([
      "Failed to load resource: the server responded with a status of 401 (Unauthorized)",
    ]);
    await checkPage("expired");
    await suite.withTab(async (fresh) => {
      await fresh.page.goto(`${origin}/portal`);
      await fresh.page.getByRole("heading", { name: "This billing link has expired" }).waitFor();
      expect(fresh.requests.filter((u) => u.endsWith("/graphql"))).toEqual([]);
    });
  });
});
