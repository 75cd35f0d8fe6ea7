/** adjustUsage through the API: signed corrections of this period's usage, by model, exactly once. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { codeOf, expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { calls: "METERED", images: "METERED", chat: "METERED", sso: "BOOLEAN" },
    plans: {
      pro: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "calls", included: "100", overagePrice: "0.01" }, { feature: "sso" }],
      },
      creator: {
        model: "CREDITS",
        basePrice: "0",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
      payg: {
        model: "BALANCE",
        basePrice: "5",
        features: [
          { feature: "calls", unitPrice: "0.25" },
          { feature: "chat", pricing: "AI_MODEL", marginBps: 0 },
        ],
      },
    },
    customers: { m: "pro", c: "creator", b: "payg" },
  }));
});
afterEach(() => api.close());

const ADJUST = `mutation($c: ID!, $f: ID!, $d: Decimal!, $r: String!, $k: ID!) {
  adjustUsage(customerId: $c, feature: $f, delta: $d, reason: $r, idempotencyKey: $k) { feature { code } used included overage cost credits } }`;
const adjust = (c: string, feature: string, d: string, k: string, r = "double-counted retries") =>
  api.gql(ADJUST, { c, f: feature, d, r, k });
const track = (customerId: string, feature: string, value: string, idempotencyKey: string) =>
  f.track({ customerId, feature, value, idempotencyKey });

describe("adjustUsage", () => {
  it("METERED: corrects this period's usage, shows as an event with its reason, and bills the corrected overage", async () => {
    await track("m", "calls", "150", "t1");
    expect((await adjust("m", "calls", "-30", "a1")).data?.adjustUsage).toEqual({
      feature: { code: "calls" },
      used: "120",
      included: "100",
      overage: "20",
      cost: "0.20",
      credits: null,
    });
    const { customer } = await api.ok(
      `{ customer(id: "m") { events(first: 10) { edges { node { idempotencyKey value reason cost } } } } }`,
    );
    expect(customer.events.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { idempotencyKey: "a1", value: "-30", reason: "double-counted retries", cost: null },
      { idempotencyKey: "t1", value: "150", reason: null, cost: null },
    ]);
    await f.advanceClock("2026-02-01T00:00:00Z");
    await api.ok(`mutation { closeDuePeriods }`);
    const [renewal] = await f.invoices("m");
    expect(renewal.lines.filter((l: { kind: string }) => l.kind === "OVERAGE")).toEqual([
      { kind: "OVERAGE", feature: "calls", quantity: "20", unitPrice: "0.01", amount: "0.20" },
    ]);
  });

  it("is idempotent by key: a replay answers without adding, another request under the key is refused", async () => {
    await track("m", "calls", "10", "t1");
    expect((await adjust("m", "calls", "5", "a1")).data?.adjustUsage.used).toBe("15");
    expect((await adjust("m", "calls", "5", "a1")).data?.adjustUsage.used).toBe("15");
    expectError(await adjust("m", "calls", "6", "a1"), "IDEMPOTENCY_KEY_REUSED");
    expectError(await adjust("m", "calls", "5", "t1"), "IDEMPOTENCY_KEY_REUSED"); // a track's key
    expect((await f.usage("m"))[0].used).toBe("15");
  });

  it("never goes below zero: BAD_USER_INPUT naming the usage, and nothing written", async () => {
    await track("m", "calls", "10", "t1");
    const before = await f.snapshot("m");
    const response = await adjust("m", "calls", "-10.5", "a1");
    expectError(response, "BAD_USER_INPUT");
    expect(response.errors?.[0]?.message).toBe(
      'delta -10.5 would take this period\'s usage of "calls" below zero (used: 10)',
    );
    expect(await f.snapshot("m")).toEqual(before);
    expect((await adjust("m", "calls", "-10", "a2")).data?.adjustUsage.used).toBe("0");
  });

  it("refuses a zero delta, an empty reason, a BOOLEAN or AI_MODEL feature, and a feature not in the plan", async () => {
    expect((await adjust("m", "calls", "0", "z1")).errors?.[0]?.message).toBe("delta must not be zero");
    expect((await adjust("m", "calls", "1", "z2", "  ")).errors?.[0]?.message).toBe("reason must not be empty");
    expectError(await adjust("m", "sso", "1", "z3"), "BAD_USER_INPUT");
    expect((await adjust("b", "chat", "1", "z4")).errors?.[0]?.message).toBe(
      'feature "chat" is priced by AI model tokens: a correction in units has no price',
    );
    expectError(await adjust("m", "images", "1", "z5"), "FEATURE_NOT_IN_PLAN");
    expectError(await adjust("m", "nope", "1", "z6"), "NOT_FOUND");
  });

  it("CREDITS: a decrease gives the credits back; an increase burns them and is refused without enough", async () => {
    await track("c", "images", "3", "t1");
    expect((await adjust("c", "images", "-2", "a1")).data?.adjustUsage).toMatchObject({ used: "1", credits: "10" });
    expect(await f.wallet("c")).toMatchObject({ credits: "90", planCredits: "90" });
    expectError(await adjust("c", "images", "10", "a2"), "INSUFFICIENT_CREDITS");
    expect((await adjust("c", "images", "9", "a3")).data?.adjustUsage).toMatchObject({ used: "10", credits: "100" });
    expect(await f.wallet("c")).toMatchObject({ credits: "0" });
  });

  it("BALANCE: a decrease refunds what the units cost", async () => {
    await track("b", "calls", "10", "t1");
    const response = await adjust("b", "calls", "-4", "a1");
    expect(response.data?.adjustUsage).toMatchObject({ used: "6", cost: "1.50" });
    expect(await f.wallet("b")).toMatchObject({ balance: "3.50", spent: "1.50" });
  });

  it("concurrent corrections never take usage below zero: of 15 decreases of 1 on 10 used, exactly 10 land", async () => {
    await track("m", "calls", "10", "t1");
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => adjust("m", "calls", "-1", `dec-${i}`)));
    const codes = results.map((r) => codeOf(r) ?? "ok");
    expect(codes.filter((c) => c === "ok")).toHaveLength(10);
    expect(codes.filter((c) => c === "BAD_USER_INPUT")).toHaveLength(5);
    expect((await f.usage("m"))[0].used).toBe("0");
  });
});
