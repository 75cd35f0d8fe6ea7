/**
 * Token counts on features that are not AI_MODEL priced (docs/concepts.md): without `value`, the
 * event's value is input + output + cache-read + cache-write tokens; a `value` next to them must
 * equal that sum (else BAD_USER_INPUT); a `model` alone is recorded and prices nothing. Token
 * counts that are all zero are no usage, like value 0, on any feature.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { tokens: "METERED", ai_chat: "METERED" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "tokens", included: "1000000", overagePrice: "0.00001" }],
      },
      credits: {
        model: "CREDITS",
        basePrice: "10",
        includedCredits: "10000",
        features: [{ feature: "tokens", creditsPerUnit: "0.001" }],
      },
      balance: {
        model: "BALANCE",
        basePrice: "10",
        features: [
          { feature: "tokens", unitPrice: "0.000002" },
          { feature: "ai_chat", pricing: "AI_MODEL", marginBps: 0 },
        ],
      },
    },
    customers: { m: "metered", c: "credits", b: "balance" },
  }));
});
afterAll(() => api?.close());

const TRACK = `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { event { value cost credits model inputTokens outputTokens cacheReadTokens cacheWriteTokens } } }`;
const track = (customerId: string, key: string, fields: Record<string, unknown>, feature = "tokens") =>
  api.gql(TRACK, { i: { customerId, feature, idempotencyKey: key, ...fields } });
const call = { model: "gpt-4o", inputTokens: 1000, outputTokens: 500 };

describe("token counts on a feature that is not AI_MODEL priced", () => {
  it("METERED: model + 1,000 input and 500 output tokens book 1,500 units, not 1", async () => {
    const r = await track("m", "k1", call);
    expect(r.data.trackUsage.event).toEqual({
      value: "1500",
      cost: null,
      credits: null,
      model: "gpt-4o",
      inputTokens: 1000,
      outputTokens: 500,
      cacheReadTokens: null,
      cacheWriteTokens: null,
    });
    expect((await f.usage("m"))[0]).toMatchObject({ used: "1500" });
  });

  it("cache-read and cache-write tokens count too", async () => {
    const r = await track("m", "k2", {
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 3000,
      cacheWriteTokens: 400,
    });
    expect(r.data.trackUsage.event.value).toBe("3520");
  });

  it("CREDITS: the credits burned are the token sum times creditsPerUnit", async () => {
    const r = await track("c", "k1", call);
    expect(r.data.trackUsage.event).toMatchObject({ value: "1500", credits: "1.5" });
    expect(await f.wallet("c")).toMatchObject({ credits: "9998.5" });
  });

  it("BALANCE FIXED: the cost is the token sum times unitPrice", async () => {
    const r = await track("b", "k1", call);
    expect(r.data.trackUsage.event).toMatchObject({ value: "1500", cost: "0.003" });
  });

  it("a value equal to the token sum is fine; one that differs is BAD_USER_INPUT and writes nothing", async () => {
    expect((await track("m", "k3", { ...call, value: "1500" })).data.trackUsage.event.value).toBe("1500");
    const before = await f.snapshot("m");
    const r = await track("m", "k4", { ...call, value: "1" });
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toBe(
      "input.value (1) differs from the sum of the token counts (1500): send one or make them agree",
    );
    expect(await f.snapshot("m")).toEqual(before);
  });

  it("a model alone is recorded and prices nothing: the value is as given (default 1)", async () => {
    const r = await track("b", "k2", { model: "gpt-4o" });
    expect(r.data.trackUsage.event).toMatchObject({ value: "1", cost: "0.000002", model: "gpt-4o" });
  });
});

describe("token counts that are all zero are BAD_USER_INPUT, like value 0", () => {
  it.each([
    ["on a METERED feature", "m", "tokens"],
    ["on an AI_MODEL feature", "b", "ai_chat"],
  ])("%s", async (_, customerId, feature) => {
    const before = await f.snapshot(customerId);
    const r = await track(customerId, "zero", { model: "gpt-4o", inputTokens: 0, outputTokens: 0 }, feature);
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toBe(
      "input.inputTokens, input.outputTokens are all zero: there is no usage to track",
    );
    expect(await f.snapshot(customerId)).toEqual(before);
  });

  it("one zero count among others is fine", async () => {
    expect((await track("m", "k5", { inputTokens: 0, outputTokens: 7 })).data.trackUsage.event.value).toBe("7");
  });
});
