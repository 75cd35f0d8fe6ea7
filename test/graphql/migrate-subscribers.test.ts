/**
 * migrateSubscribers (issue 16 item 6): every subscriber of a plan moved, each once, found through
 * the plan index (no Scan); resumable (a limit, a crash midway), idempotent (run twice, two runs at
 * once), and with changePlan's own invoices and schedules.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

const metered = (basePrice: string, more: Record<string, unknown> = {}) => ({
  model: "METERED" as const,
  basePrice,
  features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  ...more,
});

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED" },
    plans: {
      old: metered("10"),
      new: metered("12"),
      other: metered("20"),
      euro: metered("10", { currency: "EUR" }),
    },
  }));
});
afterEach(() => api.close());

const MIGRATE = `mutation($f: ID!, $t: ID!, $timing: ChangeTiming, $l: Int) { migrateSubscribers(fromPlan: $f, toPlan: $t, timing: $timing, limit: $l) }`;
const migrate = async (timing: string, limit?: number) =>
  (await api.ok(MIGRATE, { f: "old", t: "new", timing, l: limit })).migrateSubscribers as number;
const subscription = async (c: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { subscription { plan { code } scheduledPlan { code } cancelAtPeriodEnd } } }`,
      { c },
    )
  ).customer.subscription;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${i + 1}`);
/** How many invoices each customer has, by customer. */
const invoiceCounts = async (customers: string[]) =>
  Object.fromEntries(await Promise.all(customers.map(async (c) => [c, (await f.invoices(c)).length])));

describe("migrateSubscribers", () => {
  it("PERIOD_END: schedules every subscriber renewing into the plan, reschedules those switching to it, leaves the others; a second run moves none", async () => {
    for (const c of ids(5)) await f.customerOn(c, "old");
    await f.customerOn("leaving", "old");
    await api.ok(`mutation { cancelSubscription(customerId: "leaving") { status } }`);
    await f.customerOn("joining", "other");
    await api.ok(`mutation { changePlan(customerId: "joining", planCode: "old", timing: PERIOD_END) { status } }`);
    await f.customerOn("going", "old");
    await api.ok(`mutation { changePlan(customerId: "going", planCode: "other", timing: PERIOD_END) { status } }`);

    expect(await migrate("PERIOD_END")).toBe(6);
    expect(await migrate("PERIOD_END")).toBe(0);
    for (const c of ids(5))
      expect(await subscription(c)).toEqual({
        plan: { code: "old" },
        scheduledPlan: { code: "new" },
        cancelAtPeriodEnd: false,
      });
    expect(await subscription("joining")).toEqual({
      plan: { code: "other" },
      scheduledPlan: { code: "new" },
      cancelAtPeriodEnd: false,
    });
    expect(await subscription("leaving")).toEqual({
      plan: { code: "old" },
      scheduledPlan: null,
      cancelAtPeriodEnd: true,
    });
    expect(await subscription("going")).toEqual({
      plan: { code: "old" },
      scheduledPlan: { code: "other" },
      cancelAtPeriodEnd: false,
    });

    await f.advanceClock("2026-02-01T00:00:00.000Z");
    await api.ok(`mutation { closeDuePeriods }`);
    const renewal = (await f.invoices("c1"))[0];
    expect(renewal.lines.map((l: any) => [l.kind, l.amount])).toEqual([["BASE_FEE", "12.00"]]);
    expect((await subscription("c1")).plan.code).toBe("new");
    expect(await migrate("PERIOD_END")).toBe(0);
  });

  it("IMMEDIATE, interrupted by a limit: each call resumes where the last stopped; each subscriber moved once", async () => {
    const customers = ids(7);
    for (const c of customers) await f.customerOn(c, "old");
    await f.advanceClock("2026-01-16T12:00:00.000Z");
    expect([
      await migrate("IMMEDIATE", 3),
      await migrate("IMMEDIATE", 3),
      await migrate("IMMEDIATE"),
      await migrate("IMMEDIATE"),
    ]).toEqual([3, 3, 1, 0]);
    expect(await invoiceCounts(customers)).toEqual(Object.fromEntries(customers.map((c) => [c, 2])));
    const change = (await f.invoices("c4"))[0];
    // Half of January left (15.5 of 31 days) and all included units unused: $5.00 back, $12.00 for a new month.
    expect(change.lines.map((l: any) => [l.kind, l.amount])).toEqual([
      ["PRORATION", "-5.00"],
      ["BASE_FEE", "12.00"],
    ]);
    expect(api.deps.publisher.published.filter((e) => e.type === "subscription.plan_changed")).toHaveLength(7);
  });

  it("a run that crashes midway, then runs again: everyone moved once", async () => {
    const customers = ids(10); // listed c1, c10, c2, ..., c9: moved 8 at a time, so c9 is in the second batch
    for (const c of customers) await f.customerOn(c, "old");
    const stack = api.deps.db.raw.middlewareStack;
    let dead = false;
    // Client middleware, so it meets every write whichever transport sends it (core/db/client.ts).
    stack.add(
      (next) => (args) => {
        const items = (args.input as { TransactItems?: { Update?: { Key?: { pk?: string } } }[] }).TransactItems;
        // The process dies at its first write for c9: nothing it sends from then on reaches DynamoDB.
        if (items?.some((item) => item.Update?.Key?.pk === "CUSTOMER#c9")) dead = true;
        if (dead && items) throw new Error("the Lambda died");
        return next(args);
      },
      { step: "initialize", name: "lambdaDies", override: true },
    );
    const crashed = await api.gql(MIGRATE, { f: "old", t: "new", timing: "IMMEDIATE" });
    stack.remove("lambdaDies");
    expectError(crashed, "INTERNAL_SERVER_ERROR");
    const movedBefore = Object.values(await invoiceCounts(customers)).filter((n) => n === 2).length;
    expect(movedBefore).toBeGreaterThanOrEqual(8);
    expect(movedBefore).toBeLessThan(10);
    expect(await migrate("IMMEDIATE")).toBe(10 - movedBefore);
    expect(await invoiceCounts(customers)).toEqual(Object.fromEntries(customers.map((c) => [c, 2])));
  });

  it("two runs at once move each subscriber once, and neither Scans", async () => {
    const customers = ids(8);
    for (const c of customers) await f.customerOn(c, "old");
    const stack = api.deps.db.raw.middlewareStack;
    const commands = new Set<string>();
    stack.add(
      (next, context) => (args) => {
        commands.add(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "commandsSent", override: true },
    );
    const [a, b] = await Promise.all([migrate("IMMEDIATE"), migrate("IMMEDIATE")]);
    stack.remove("commandsSent");
    expect(a + b).toBe(8);
    expect(await invoiceCounts(customers)).toEqual(Object.fromEntries(customers.map((c) => [c, 2])));
    expect([...commands].filter((name) => name.includes("Scan"))).toEqual([]);
    expect(commands).toContain("QueryCommand");
  });

  it("an archived fromPlan is the usual case; refuses what cannot be migrated", async () => {
    await f.customerOn("c1", "old");
    await api.ok(`mutation { archivePlan(code: "old") { archived } }`);
    const ask = (from: string, to: string, limit?: number) =>
      api.gql(MIGRATE, { f: from, t: to, timing: "IMMEDIATE", l: limit });
    for (const [from, to, code, message] of [
      ["old", "old", "BAD_USER_INPUT", "toPlan must differ from fromPlan"],
      [
        "old",
        "euro",
        "BAD_USER_INPUT",
        'toPlan "euro" is in EUR and fromPlan "old" in USD: a subscription keeps its currency',
      ],
      ["old", "nope", "NOT_FOUND", 'plan "nope" not found'],
      ["x#y", "new", "BAD_USER_INPUT", "fromPlan must be 1 to 128 characters of letters, digits and _ - . : @ | + / ="],
    ]) {
      const response = await ask(from!, to!);
      expectError(response, code!);
      expect(response.errors?.[0]?.message).toBe(message);
    }
    expectError(await ask("old", "new", 0), "BAD_USER_INPUT");
    await api.ok(`mutation { archivePlan(code: "other") { archived } }`);
    expectError(await ask("old", "other"), "BAD_USER_INPUT"); // an archived target takes no one
    expect(await migrate("IMMEDIATE")).toBe(1);
    expect((await subscription("c1")).plan.code).toBe("new");
  });
});
