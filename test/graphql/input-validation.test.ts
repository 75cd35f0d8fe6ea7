/**
 * Validation a first day of use found missing, and its messages: every refusal is BAD_USER_INPUT
 * naming the field by its path (`input.features[0].marginBps`) in plain words, never a validation
 * library's text; DateTime inputs are real calendar instants (2027-02-30 is refused, not read as
 * 2 March); nothing refused is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", sso: "BOOLEAN" },
    plans: { metered: PLANS.metered },
    customers: { acme: "metered" },
  }));
  await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "seed", value: "5" });
});
afterAll(() => api?.close());

const createPlan = (input: Record<string, unknown>) =>
  api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
    i: { code: "p", name: "p", model: "METERED", basePrice: "10", interval: "MONTH", features: [], ...input },
  });
const meteredFeature = (fields: Record<string, unknown>) => ({
  features: [{ feature: "api_calls", overagePrice: "0.01", ...fields }],
});

/** Expects BAD_USER_INPUT with exactly `message`, and that no plan "p" was created. */
async function planRefused(input: Record<string, unknown>, message: string) {
  const r = await createPlan(input);
  expectError(r, "BAD_USER_INPUT");
  expect(r.errors![0]!.message).toBe(message);
  expect((await api.ok(`{ plan(code: "p") { code } }`)).plan).toBeNull();
}

describe("plan validation first-day users hit", () => {
  it("a limit below included", () =>
    planRefused(
      meteredFeature({ included: "100", limit: "50" }),
      "input.features[0].limit must not be below input.features[0].included (100)",
    ));

  it("a limit of 0", () =>
    planRefused(meteredFeature({ limit: "0" }), "input.features[0].limit must be greater than zero"));

  it("a base price with fractions of a cent", () =>
    planRefused({ basePrice: "10.005" }, "input.basePrice must be at most 2 decimal places in USD"));

  it("a limit equal to included is fine (nothing beyond the included units)", async () => {
    expect((await createPlan({ code: "capped", ...meteredFeature({ included: "100", limit: "100" }) })).data).toEqual({
      createPlan: { code: "capped" },
    });
  });
});

describe("messages name the field by its path, in plain words", () => {
  it.each([
    [
      {
        features: [
          { feature: "api_calls", overagePrice: "1" },
          { feature: "sso", marginBps: -5 },
        ],
      },
      "input.features[1].marginBps must be at least 0",
    ],
    [
      { model: "BALANCE", features: [{ feature: "api_calls", pricing: "AI_MODEL", marginBps: 100001 }] },
      "input.features[0].marginBps must be at most 100000",
    ],
    [{ code: "a#b" }, "input.code must be 1 to 128 characters of letters, digits and _ - . : @ | + / ="],
    [{ name: "   " }, "input.name must not be empty"],
    [{ name: "n".repeat(201) }, "input.name must be at most 200 characters"],
    [
      { features: [{ feature: "api_calls", included: "10" }] },
      "input.features[0].overagePrice is required on METERED plans",
    ],
    [
      { features: [{ feature: "api_calls", overagePrice: "1", creditsPerUnit: "2" }] },
      "input.features[0].creditsPerUnit does not apply to METERED plans",
    ],
    [
      { features: [{ feature: "sso", included: "10" }] },
      'input.features[0].included does not apply: "sso" is a BOOLEAN feature, which takes no pricing',
    ],
    [{ includedCredits: "5", features: [] }, "input.includedCredits is only for CREDITS plans"],
  ])("createPlan %#", (input, message) => planRefused(input, message));

  it("trackUsage, purchases, customers and API keys say the same way which field is wrong", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`,
        { i: { customerId: "acme", feature: "api_calls", idempotencyKey: "" } },
        "input.idempotencyKey must be 1 to 128 characters of letters, digits and _ - . : @ | + / =",
      ],
      [
        `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`,
        { i: { customerId: "acme", feature: "api_calls", idempotencyKey: "k", value: "0" } },
        "input.value must be greater than zero",
      ],
      [
        `mutation { purchaseCreditPack(customerId: "acme", packCode: "x", idempotencyKey: "b#1") { credits } }`,
        {},
        "idempotencyKey must be 1 to 128 characters of letters, digits and _ - . : @ | + / =",
      ],
      [
        `mutation { topUpBalance(customerId: "acme", amount: "0", idempotencyKey: "t") { balance } }`,
        {},
        "amount must be greater than zero",
      ],
      [
        `mutation { createCustomer(input: { id: "x", email: "not-an-email" }) { id } }`,
        {},
        "input.email must be an email address",
      ],
      [
        `mutation { subscribe(customerId: "acme#1", planCode: "metered") { status } }`,
        {},
        "customerId must be 1 to 128 characters of letters, digits and _ - . : @ | + / =",
      ],
      [`mutation { createApiKey(name: "", scope: INGEST) { secret } }`, {}, "name must not be empty"],
    ];
    for (const [query, variables, message] of cases) {
      const r = await api.gql(query, variables);
      expectError(r, "BAD_USER_INPUT");
      expect(r.errors![0]!.message).toBe(message);
    }
  });
});

describe("a bad amount or date written in the query text is named by its path too", () => {
  it.each([
    [
      `mutation { trackUsage(input: { customerId: "acme", feature: "api_calls", idempotencyKey: "k", value: " 5" }) { replayed } }`,
      'input.value must be a decimal number, got " 5"',
    ],
    [
      `mutation { createPlan(input: { code: "p", name: "p", model: METERED, basePrice: 1, interval: MONTH,
        features: [{ feature: "api_calls", overagePrice: "0.0000000000001" }] }) { code } }`,
      'input.features[0].overagePrice allows at most 12 decimal places, got "0.0000000000001"',
    ],
    [
      `mutation { trackUsageBatch(inputs: [{ customerId: "acme", feature: "api_calls", idempotencyKey: "a" },
        { customerId: "acme", feature: "api_calls", idempotencyKey: "b", timestamp: "2025-02-30T00:00:00Z" }]) { ok } }`,
      "inputs[1].timestamp is not a real date and time (no such day, hour, minute or second)",
    ],
    [
      `{ entitlement(customerId: "acme", feature: "api_calls", amount: true) { allowed } }`,
      "amount must be a decimal string or number",
    ],
  ])("%#", async (query, message) => {
    const r = await api.gql(query);
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toBe(message);
  });

  it("in variables, GraphQL names the path itself", async () => {
    const r = await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "k", value: " 5" });
    expect(r.errors![0]!.message).toBe(
      'Variable "$i" got invalid value " 5" at "i.value"; Decimal must be a decimal number, got " 5"',
    );
  });
});

describe("amounts with surrounding whitespace are BAD_USER_INPUT", () => {
  it.each([" 5", "5 ", "\t5", "5\n"])("value %j", async (value) => {
    const before = await f.snapshot("acme");
    expectError(
      await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "ws", value }),
      "BAD_USER_INPUT",
    );
    expect(await f.snapshot("acme")).toEqual(before);
  });

  it("a money amount too", async () => {
    expectError(await createPlan({ basePrice: " 10" }), "BAD_USER_INPUT");
  });
});

describe("DateTime inputs are real calendar instants", () => {
  it.each([
    "2025-02-29T00:00:00Z",
    "2025-02-30T00:00:00Z",
    "2025-04-31T12:00:00Z",
    "2025-13-01T00:00:00Z",
    "2025-00-10T00:00:00Z",
    "2025-06-00T00:00:00Z",
    "2025-06-15T24:00:00Z",
    "2025-06-15T12:60:00Z",
    "2025-06-15T12:00:60Z",
    "2025-06-15T12:00:00+24:00",
  ])("a usage timestamp %s is BAD_USER_INPUT, not moved to another day", async (timestamp) => {
    const before = await f.snapshot("acme");
    const r = await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "late", timestamp });
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toContain(`DateTime "${timestamp}" is not a real date and time`);
    expect(await f.snapshot("acme")).toEqual(before);
  });

  it("advanceClock to 2026-02-30 is refused (it used to move the clock to 2 March); 2028-02-29 is a real day", async () => {
    const literal = await api.gql(`mutation { advanceClock(to: "2026-02-30T00:00:00Z") }`);
    expectError(literal, "BAD_USER_INPUT");
    expect(literal.errors![0]!.message).toBe("to is not a real date and time (no such day, hour, minute or second)");
    const variable = await api.gql(`mutation($t: DateTime!) { advanceClock(to: $t) }`, { t: "2026-02-30T00:00:00Z" });
    expectError(variable, "BAD_USER_INPUT");
    expect((await api.ok(`{ now }`)).now).toBe("2026-01-01T00:00:00.000Z");
    expect((await f.advanceClock("2028-02-29T00:00:00Z")).advanceClock).toBe("2028-02-29T00:00:00.000Z");
  });
});
