/**
 * Add-ons on a YEAR plan with `resetInterval: MONTH` (docs/pricing.md#add-ons): an add-on's period
 * is the wallet's, so it renews, and is billed in advance, at every monthly reset, while the base fee
 * is billed once a year. With a grace period for late events the monthly close rolls at the month's
 * end and its invoice (the next month's ADD_ON line alone, when there is no overage) is issued at
 * the grace end. Subscribed 2026-01-01T00:00Z (the test clock's start).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { scenario } from "../support/scenario";

const THREE_DAYS = 3 * 86_400_000;

let api: TestApi | undefined;
afterEach(() => api?.close());

/** A $1,200-a-year CREDITS plan with 100 credits a month; SSO for $4 a period. */
async function annualWithSso(gracePeriodMs?: number) {
  const s = await scenario({
    ...(gracePeriodMs ? { gracePeriodMs } : {}),
    features: { images: "METERED", sso: "BOOLEAN" },
    plans: {
      annual: {
        model: "CREDITS",
        interval: "YEAR",
        resetInterval: "MONTH",
        basePrice: "1200",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
    },
    customers: { a: "annual" },
  });
  api = s.api;
  await api.ok(`mutation { createAddOn(input: { code: "sso", name: "SSO", feature: "sso", price: "4" }) { code } }`);
  return s;
}

const attachSso = (a: TestApi) =>
  a.ok(`mutation { attachAddOn(customerId: "a", addOnCode: "sso", idempotencyKey: "k1") { addOns { code } } }`);
/** Every invoice of the customer, oldest first: invoice period, total, then "KIND amount start..end" per line. */
const invoices = async (a: TestApi) =>
  (
    await a.ok(
      `{ customer(id: "a") { invoices { periodStart periodEnd total lines { kind amount periodStart periodEnd } } } }`,
    )
  ).customer.invoices
    .reverse()
    .map(
      (i: {
        periodStart: string;
        periodEnd: string;
        total: string;
        lines: { kind: string; amount: string; periodStart: string; periodEnd: string }[];
      }) => [
        `${i.periodStart.slice(0, 10)}..${i.periodEnd.slice(0, 10)} ${i.total}`,
        ...i.lines.map((l) => `${l.kind} ${l.amount} ${l.periodStart.slice(0, 10)}..${l.periodEnd.slice(0, 10)}`),
      ],
    );
const sweep = async (a: TestApi, to: string) => {
  await a.ok(`mutation { advanceClock(to: "${to}") }`);
  await a.ok("mutation { closeDuePeriods }");
};

// Attached on Jan 16 with 16 of January's 31 days left: 4 x 16/31 = 2.064516129032 -> 2.06.
const SUBSCRIBE_AND_ATTACH = [
  ["2026-01-01..2027-01-01 1200.00", "BASE_FEE 1200.00 2026-01-01..2027-01-01"],
  ["2026-01-16..2026-02-01 2.06", "ADD_ON 2.06 2026-01-16..2026-02-01"],
];

describe("an add-on on an annual plan with monthly resets", () => {
  it("renews at each monthly reset: the month's close bills its next month alone, no base fee", async () => {
    const { f } = await annualWithSso();
    await f.advanceClock("2026-01-16T00:00:00Z");
    await attachSso(api!);
    await sweep(api!, "2026-02-01T00:00:00Z");
    await sweep(api!, "2026-03-01T00:00:00Z");
    expect(await invoices(api!)).toEqual([
      ...SUBSCRIBE_AND_ATTACH,
      ["2026-01-01..2026-02-01 4.00", "ADD_ON 4.00 2026-02-01..2026-03-01"],
      ["2026-02-01..2026-03-01 4.00", "ADD_ON 4.00 2026-03-01..2026-04-01"],
    ]);
  });

  it("with a grace period, the month's roll bills nothing and its grace-end issue bills the next month's ADD_ON line", async () => {
    const { f } = await annualWithSso(THREE_DAYS);
    await f.advanceClock("2026-01-16T00:00:00Z");
    await attachSso(api!);
    await sweep(api!, "2026-02-01T00:00:00Z");
    expect(await invoices(api!)).toEqual(SUBSCRIBE_AND_ATTACH);
    await sweep(api!, "2026-02-04T00:00:00Z");
    expect(await invoices(api!)).toEqual([
      ...SUBSCRIBE_AND_ATTACH,
      ["2026-01-01..2026-02-01 4.00", "ADD_ON 4.00 2026-02-01..2026-03-01"],
    ]);
  });
});
