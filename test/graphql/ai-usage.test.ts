/**
 * AI model pricing on a BALANCE plan, end to end: two providers' models on one balance, per-request
 * costs in the events view, prices that change without touching recorded events, one invoice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
beforeAll(async () => {
  ({ api, f } = await scenario({
    catalog: true,
    features: { ai_chat: "METERED" },
    plans: {
      ai: {
        model: "BALANCE",
        basePrice: "100",
        interval: "MONTH",
        features: [{ feature: "ai_chat", pricing: "AI_MODEL", marginBps: 4000 }],
      },
    },
    customers: { lab: "ai" },
  }));
});
afterAll(() => api?.close());

const TRACK = `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed event { value cost resolvedModel providerCost marginBps inputPrice outputPrice } entitlement { balance } } }`;
const chat = (key: string, model: string, tokens: Record<string, number>) =>
  api.gql(TRACK, { i: { customerId: "lab", feature: "ai_chat", idempotencyKey: key, model, ...tokens } });

describe("AI_MODEL pricing with a 40% margin", () => {
  it("prices calls to two providers' models on one balance, with the audit in each event", async () => {
    const sonnet = await chat("r1", "anthropic/claude-sonnet-4.6", { inputTokens: 1_000_000, outputTokens: 1_000_000 });
    expect(sonnet.data.trackUsage.event).toEqual({
      value: "2000000",
      cost: "25.20",
      resolvedModel: "anthropic/claude-sonnet-4-6",
      providerCost: "18.00",
      marginBps: 4000,
      inputPrice: "3.00",
      outputPrice: "15.00",
    });
    const gpt = await chat("r2", "gpt-4o", { inputTokens: 1500, outputTokens: 300 });
    expect(gpt.data.trackUsage.event).toMatchObject({
      cost: "0.00945",
      resolvedModel: "openai/gpt-4o",
      providerCost: "0.00675",
    });
    expect(gpt.data.trackUsage.entitlement.balance).toBe("74.79055");
    const view = await api.ok(
      `{ customer(id: "lab") { wallet { balance spent } events(first: 5) { edges { node { idempotencyKey model resolvedModel inputTokens outputTokens cost } } } } }`,
    );
    expect(view.customer.wallet).toEqual({ balance: "74.79055", spent: "25.20945" });
    expect(view.customer.events.edges.map((e: any) => e.node)).toEqual([
      {
        idempotencyKey: "r2",
        model: "gpt-4o",
        resolvedModel: "openai/gpt-4o",
        inputTokens: 1500,
        outputTokens: 300,
        cost: "0.00945",
      },
      {
        idempotencyKey: "r1",
        model: "anthropic/claude-sonnet-4.6",
        resolvedModel: "anthropic/claude-sonnet-4-6",
        inputTokens: 1000000,
        outputTokens: 1000000,
        cost: "25.20",
      },
    ]);
  });

  it("needs a model and token counts; unknown models are NOT_FOUND", async () => {
    const noTokens = await api.gql(TRACK, {
      i: { customerId: "lab", feature: "ai_chat", idempotencyKey: "bad-1", model: "gpt-4o", value: 5 },
    });
    expect(noTokens.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const unknown = await chat("bad-2", "acme/unknown-model", { inputTokens: 10 });
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'AI model "acme/unknown-model" not found',
      extensions: { code: "NOT_FOUND" },
    });
  });

  it("keeps recorded costs when a price changes, and prices new calls (and batches) at the new price", async () => {
    await api.ok(`mutation { upsertAiModel(id: "openai/gpt-4o", inputPrice: "5", outputPrice: "20") { id } }`);
    const batch = await api.ok(
      `mutation($i: [TrackUsageInput!]!) { trackUsageBatch(inputs: $i) { ok payload { event { cost providerCost } } } }`,
      {
        i: [
          {
            customerId: "lab",
            feature: "ai_chat",
            idempotencyKey: "r3",
            model: "openai/gpt-4o",
            inputTokens: 1500,
            outputTokens: 300,
          },
        ],
      },
    );
    expect(batch.trackUsageBatch).toEqual([
      { ok: true, payload: { event: { cost: "0.0189", providerCost: "0.0135" } } },
    ]);
    const replay = await chat("r2", "gpt-4o", { inputTokens: 1500, outputTokens: 300 });
    expect(replay.data.trackUsage).toMatchObject({ replayed: true, event: { cost: "0.00945", inputPrice: "2.50" } });
  });

  it("puts the balance's overage on one invoice at period end", async () => {
    await chat("r4", "anthropic/claude-sonnet-4-6", { inputTokens: 2_000_000, outputTokens: 4_000_000 }); // $92.40
    await f.advanceClock("2026-02-01T00:00:00Z");
    await api.ok(`mutation { closeDuePeriods }`);
    const [renewal] = await f.invoices("lab");
    // spent 25.20 + 0.00945 + 0.0189 + 92.40 = 117.62835 against the $100 allowance
    expect(renewal.lines).toEqual([
      { kind: "OVERAGE", feature: null, quantity: "1", unitPrice: "17.62835", amount: "17.63" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "100.00", amount: "100.00" },
    ]);
  });
});
