/**
 * First-day papercuts of invoices and events: free plans do not leave OPEN 0.00 invoices
 * behind (a zero invoice is issued PAID), cancelling a free plan issues no invoice, lines name the
 * period they bill, a plan change is subscription.plan_changed, and subscription.created,
 * invoice.paid and invoice.voided exist. Every event goes through the outbox: a publish that fails
 * after the commit is published by the next sweep, never lost.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import type { BillingEvent } from "../../core/deps";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", sso: "BOOLEAN" },
    plans: {
      free: {
        model: "METERED",
        basePrice: "0",
        features: [{ feature: "api_calls", included: "1000", overagePrice: "0" }],
      },
      pro: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "10000", overagePrice: "0.01" }, { feature: "sso" }],
      },
    },
  }));
});
afterEach(() => {
  vi.restoreAllMocks();
  return api.close();
});

const events = (customerId: string) =>
  api.deps.publisher.published
    .filter((e) => (e.detail.customerId ?? (e.detail.invoice as { customerId?: string })?.customerId) === customerId)
    .map((e) => [e.type, e.id]);
const closeDue = () => api.ok(`mutation { closeDuePeriods }`);
const INVOICES = `number status total lines { kind amount periodStart periodEnd }`;
const invoices = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { invoices { ${INVOICES} } } }`, { c })).customer.invoices;

describe("free plans", () => {
  it("issue each period's 0.00 invoice as PAID, published as created and paid", async () => {
    await f.customerOn("f", "free");
    await f.advanceClock("2026-02-01T00:00:00Z");
    await closeDue();
    expect(await invoices("f")).toEqual([
      {
        number: "INV-000002",
        status: "PAID",
        total: "0.00",
        lines: [
          {
            kind: "BASE_FEE",
            amount: "0.00",
            periodStart: "2026-02-01T00:00:00.000Z",
            periodEnd: "2026-03-01T00:00:00.000Z",
          },
        ],
      },
      {
        number: "INV-000001",
        status: "PAID",
        total: "0.00",
        lines: [
          {
            kind: "BASE_FEE",
            amount: "0.00",
            periodStart: "2026-01-01T00:00:00.000Z",
            periodEnd: "2026-02-01T00:00:00.000Z",
          },
        ],
      },
    ]);
    expect(events("f")).toEqual([
      ["invoice.created", "invoice.created:INV-000001"],
      ["invoice.paid", "invoice.paid:INV-000001"],
      ["subscription.created", "subscription.created:f:2026-01-01T00:00:00.000Z"],
      ["invoice.created", "invoice.created:INV-000002"],
      ["invoice.paid", "invoice.paid:INV-000002"],
      ["subscription.renewed", "subscription.renewed:f:2026-02-01T00:00:00.000Z"],
    ]);
    expect(api.deps.publisher.published.find((e) => e.id === "invoice.created:INV-000002")?.detail).toMatchObject({
      invoice: { status: "PAID", total: "0.00", subtotal: "0.00" },
    });
  });

  it("cancelling a free plan IMMEDIATE issues no invoice; the cancellation is still published", async () => {
    await f.customerOn("g", "free");
    await api.ok(`mutation { cancelSubscription(customerId: "g", timing: IMMEDIATE) { status } }`);
    expect((await invoices("g")).map((i: { number: string }) => i.number)).toEqual(["INV-000001"]);
    expect(events("g").at(-1)).toEqual(["subscription.canceled", "subscription.canceled:g:2026-01-01T00:00:00.000Z"]);
  });

  it("a paid plan canceled at period end with no overage ends without an empty invoice", async () => {
    await f.customerOn("h", "pro");
    await api.ok(`mutation { cancelSubscription(customerId: "h") { status } }`);
    await f.advanceClock("2026-02-01T00:00:00Z");
    await closeDue();
    expect((await invoices("h")).map((i: { number: string }) => i.number)).toEqual(["INV-000001"]);
    expect(events("h").at(-1)).toEqual(["subscription.canceled", "subscription.canceled:h:2026-01-01T00:00:00.000Z"]);
  });
});

describe("plan changes are published as subscription.plan_changed", () => {
  it("IMMEDIATE: plan_changed (not renewed), with the plans and the new period", async () => {
    await f.customerOn("p", "free");
    await f.advanceClock("2026-01-11T00:00:00Z");
    await api.ok(`mutation { changePlan(customerId: "p", planCode: "pro", timing: IMMEDIATE) { status } }`);
    const changed = api.deps.publisher.published.filter((e) => e.detail.customerId === "p").at(-1);
    expect(changed).toEqual({
      id: "subscription.plan_changed:p:2026-01-11T00:00:00.000Z",
      type: "subscription.plan_changed",
      version: 1,
      time: "2026-01-11T00:00:00.000Z",
      detail: {
        customerId: "p",
        fromPlanCode: "free",
        planCode: "pro",
        timing: "IMMEDIATE",
        periodStart: "2026-01-11T00:00:00.000Z",
        periodEnd: "2026-02-11T00:00:00.000Z",
      },
    });
    expect(events("p").filter(([type]) => type === "subscription.renewed")).toEqual([]);
  });

  it("PERIOD_END: at the renewal it takes effect, renewed and plan_changed are both published", async () => {
    await f.customerOn("q", "pro");
    await api.ok(`mutation { changePlan(customerId: "q", planCode: "free", timing: PERIOD_END) { status } }`);
    await f.advanceClock("2026-02-01T00:00:00Z");
    await closeDue();
    expect(events("q").slice(-4)).toEqual([
      ["invoice.created", "invoice.created:INV-000002"],
      ["invoice.paid", "invoice.paid:INV-000002"],
      ["subscription.renewed", "subscription.renewed:q:2026-02-01T00:00:00.000Z"],
      ["subscription.plan_changed", "subscription.plan_changed:q:2026-02-01T00:00:00.000Z"],
    ]);
    expect(api.deps.publisher.published.at(-1)!.detail).toMatchObject({
      fromPlanCode: "pro",
      planCode: "free",
      timing: "PERIOD_END",
    });
  });
});

describe("the outbox", () => {
  it("publishes on the next sweep what a failed publish left: subscription and invoice events alike", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined); // each failed publish is logged
    const publisher = api.deps.publisher;
    const delivered = publisher.published;
    const publish = publisher.publish.bind(publisher);
    publisher.publish = async () => {
      throw new Error("bus unavailable");
    };
    await f.customerOn("o", "pro"); // invoice.created + subscription.created
    await api.ok(`mutation { markInvoicePaid(id: "INV-000001") { status } }`); // invoice.paid
    await f.customerOn("o2", "pro");
    await api.ok(`mutation { voidInvoice(id: "INV-000002") { status } }`); // invoice.voided
    await api.ok(`mutation { cancelSubscription(customerId: "o2", timing: IMMEDIATE) { status } }`); // no invoice
    expect(delivered).toEqual([]);
    publisher.publish = publish;
    await closeDue();
    const ids = (list: BillingEvent[]) => list.map((e) => e.id).sort();
    expect(ids(delivered)).toEqual([
      "invoice.created:INV-000001",
      "invoice.created:INV-000002",
      "invoice.paid:INV-000001",
      "invoice.voided:INV-000002",
      "subscription.canceled:o2:2026-01-01T00:00:00.000Z",
      "subscription.created:o2:2026-01-01T00:00:00.000Z",
      "subscription.created:o:2026-01-01T00:00:00.000Z",
    ]);
    await closeDue();
    expect(delivered).toHaveLength(7);
  });
});
