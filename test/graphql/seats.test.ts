/** SEATS features through the API: setSeats, pro-rata invoices of added seats, seats billed in advance, exactly once. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { editors: "SEATS", calls: "METERED" },
    plans: {
      // $20 a month with 3 editors; each extra editor $10 a month; at most 50.
      // The same with a 14-day free trial.
      trial: {
        model: "METERED",
        basePrice: "20",
        trialDays: 14,
        features: [{ feature: "editors", included: "3", overagePrice: "10" }],
      },
      team: {
        model: "METERED",
        basePrice: "20",
        features: [
          { feature: "editors", included: "3", overagePrice: "10", limit: "50" },
          { feature: "calls", included: "100", overagePrice: "0.01" },
        ],
      },
    },
    customers: { t: "team", tr: "trial" },
  }));
});
afterEach(() => api.close());

const SET = `mutation($c: ID!, $f: ID!, $n: Decimal!, $k: ID!) {
  setSeats(customerId: $c, feature: $f, count: $n, idempotencyKey: $k) { feature { code } used current peak included overage cost } }`;
const set = (n: string, k: string, c = "t") => api.gql(SET, { c, f: "editors", n, k });
const ENTITLEMENT = `query($c: ID!) { entitlement(customerId: $c, feature: "editors") { allowed reason used included remaining unitPrice } }`;
type Line = { kind: string; quantity: string; unitPrice: string; amount: string };
const seatLines = (invoices: { lines: Line[] }[]) => invoices.flatMap((i) => i.lines.filter((l) => l.kind === "SEATS"));

describe("setSeats", () => {
  it("bills added seats pro rata at once, lower counts at the next period, and extra seats in advance at renewal", async () => {
    // Period 1 is 2026-01-01 to 2026-02-01 (31 days). 5 seats at its start: 2 beyond the 3 included, the whole period.
    expect((await set("5", "s1")).data?.setSeats).toEqual({
      feature: { code: "editors" },
      used: "5",
      current: "5",
      peak: "5",
      included: "3",
      overage: "2",
      cost: "20.00",
    });
    // 16 of 31 days left: 1 more seat costs 10 x 16/31 = 5.161290322580645... -> 5.16, rounded once on the line.
    await f.advanceClock("2026-01-16T00:00:00Z");
    expect((await set("6", "s2")).data?.setSeats.current).toBe("6");
    // Fewer seats bill nothing back; the period has paid for 6.
    expect((await set("4", "s3")).data?.setSeats).toMatchObject({ current: "4", peak: "6" });
    expect((await api.ok(ENTITLEMENT, { c: "t" })).entitlement).toEqual({
      allowed: true,
      reason: null,
      used: "4",
      included: "3",
      remaining: "2",
      unitPrice: "0.00",
    });
    // Back to 6 is within what is paid for: no invoice.
    await set("6", "s4");
    expect(seatLines(await f.invoices("t"))).toEqual([
      { kind: "SEATS", feature: "editors", quantity: "1", unitPrice: "5.161290322581", amount: "5.16" },
      { kind: "SEATS", feature: "editors", quantity: "2", unitPrice: "10.00", amount: "20.00" },
    ]);
    await set("4", "s5");
    // The renewal bills the base fee and the 1 extra seat of the coming period, in advance.
    await f.advanceClock("2026-02-01T00:00:00Z");
    await api.ok(`mutation { closeDuePeriods }`);
    const [renewal] = await f.invoices("t");
    expect(renewal.lines).toEqual([
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "20.00", amount: "20.00" },
      { kind: "SEATS", feature: "editors", quantity: "1", unitPrice: "10.00", amount: "10.00" },
    ]);
    expect(renewal.total).toBe("30.00");
    // The new period has paid for 4: a 5th seat is beyond it, at $10 a period.
    expect((await api.ok(ENTITLEMENT, { c: "t" })).entitlement).toMatchObject({
      used: "4",
      remaining: "0",
      unitPrice: "10.00",
    });
    const { quote } = await api.ok(
      `query { quote(input: { customerId: "t", feature: "editors", value: "1", idempotencyKey: "q" }) { cost } }`,
    );
    expect(quote.cost).toBe("10.00");
  });

  it("is idempotent by key and refuses what it cannot do, writing nothing", async () => {
    await set("4", "s1");
    expect((await set("4", "s1")).data?.setSeats.current).toBe("4");
    expectError(await set("5", "s1"), "IDEMPOTENCY_KEY_REUSED");
    const before = await f.snapshot("t");
    const whole = await set("4.5", "s2");
    expectError(whole, "BAD_USER_INPUT");
    expect(whole.errors?.[0]?.message).toContain("count must be a whole number of seats");
    expectError(await set("-1", "s3"), "BAD_USER_INPUT");
    const limit = await set("51", "s4");
    expectError(limit, "LIMIT_REACHED");
    expect(limit.errors?.[0]?.message).toBe('count 51 would take "editors" to 51, above its limit of 50');
    expectError(await f.track({ customerId: "t", feature: "editors", idempotencyKey: "t1" }), "BAD_USER_INPUT");
    expectError(await set("4", "t9", "nobody"), "NOT_FOUND");
    expect(await f.snapshot("t")).toEqual(before);
    expect((await api.ok(ENTITLEMENT, { c: "t" })).entitlement).toMatchObject({ allowed: true, remaining: "0" });
    expect(
      (await api.ok(`query { entitlement(customerId: "t", feature: "editors", amount: "47") { allowed reason } }`))
        .entitlement,
    ).toEqual({ allowed: false, reason: "LIMIT_REACHED" });
  });

  it("30 concurrent setSeats with distinct keys end at the last one committed, each increase billed once", async () => {
    const counts = Array.from({ length: 30 }, (_, i) => ((i * 7) % 30) + 1); // 1..30, shuffled
    const answers = await Promise.all(counts.map((n, i) => set(String(n), `c${i}`)));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    const { customer } = await api.ok(
      `{ customer(id: "t") { events(first: 50) { edges { node { idempotencyKey value level } } } } }`,
    );
    const events: { value: string; level: string }[] = customer.events.edges.map((e: { node: unknown }) => e.node);
    expect(events).toHaveLength(30);
    // Each event moved the level from (level - value) to level: they form one chain from 0.
    const from = new Map(events.map((e) => [Number(e.level) - Number(e.value), Number(e.level)]));
    const chain = [0];
    while (from.has(chain.at(-1)!)) chain.push(from.get(chain.at(-1)!)!);
    expect(chain).toHaveLength(31);
    const [usage] = (await f.usage("t")).filter((u: { feature: { code: string } }) => u.feature.code === "editors");
    expect(usage).toMatchObject({ used: String(chain.at(-1)) });
    // Every new highest count above the 3 included was billed once, for the seats it added (full period: exact).
    let paid = 3;
    const expected: string[] = [];
    for (const n of chain) {
      if (n <= paid) continue;
      expected.push(String(n - paid));
      paid = n;
    }
    const lines = seatLines(await f.invoices("t"));
    expect(lines.map((l) => l.quantity).reverse()).toEqual(expected);
    expect(lines.reduce((sum, l) => sum + BigInt(l.amount.replace(".", "")), 0n)).toBe(27n * 10_00n);
  });

  it("allows no seats beyond included during a free trial, and bills the extra seats when it converts", async () => {
    expect((await set("3", "t1", "tr")).data?.setSeats.current).toBe("3");
    const refused = await set("4", "t2", "tr");
    expectError(refused, "LIMIT_REACHED");
    expect(refused.errors?.[0]?.message).toBe('during the trial, "editors" is limited to its included 3');
    expect(await f.invoices("tr")).toEqual([]);
    // The trial ends on Jan 15: the first paid period bills its base fee; seats are 3, none extra.
    await f.advanceClock("2026-01-15T00:00:00Z");
    await api.ok(`mutation { closeDuePeriods }`);
    expect((await set("5", "t3", "tr")).data?.setSeats.current).toBe("5");
    const lines = (await f.invoices("tr")).flatMap((i) => i.lines.map((l: Line) => [l.kind, l.quantity, l.amount]));
    expect(lines).toEqual([
      ["SEATS", "2", "20.00"],
      ["BASE_FEE", "1", "20.00"],
    ]);
  });
});
