/**
 * The model IDs providers and gateways actually send, over HTTP against the shipped catalog
 * snapshot: dated snapshots, gateway prefixes, Bedrock ARNs and profiles, Vertex dates, and the
 * operator's aliases (setAiModelAlias). The exact prices a track is billed at prove which model it
 * resolved to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../support/fixtures";
import type { TestApi } from "../support/server";
import { scenario } from "../support/scenario";

let api: TestApi;
beforeAll(async () => {
  ({ api } = await scenario({
    catalog: true,
    features: { ai_chat: "METERED" },
    plans: {
      ai: { model: "BALANCE", basePrice: "100", features: [{ feature: "ai_chat", pricing: "AI_MODEL", marginBps: 0 }] },
    },
    customers: { lab: "ai" },
  }));
});
afterAll(() => api?.close());

const resolved = async (id: string) =>
  (await api.ok(`query($id: ID!) { aiModel(id: $id) { id } }`, { id })).aiModel?.id ?? null;

describe("model IDs as providers and gateways send them", () => {
  it("resolves a dated snapshot to the catalog's dated entry, else to its undated base", async () => {
    expect(await resolved("gpt-4o-mini-2024-07-18")).toBe("openai/gpt-4o-mini");
    expect(await resolved("openai/gpt-4o-mini-2024-07-18")).toBe("openai/gpt-4o-mini");
    expect(await resolved("gpt-4o-2024-08-06")).toBe("openai/gpt-4o-2024-08-06");
    expect(await resolved("claude-3-5-sonnet-20241022")).toBe("anthropic/claude-3-5-sonnet-20241022");
    expect(await resolved("claude-sonnet-4-5-20991231")).toBe("anthropic/claude-sonnet-4-5");
    // Not a date: nothing to fall back to.
    expect(await resolved("gpt-4o-mini-2024-13-45")).toBeNull();
  });

  it("strips gateway prefixes and maps LiteLLM's provider names", async () => {
    const cases: [string, string][] = [
      ["models/gemini-2.5-pro", "google/gemini-2.5-pro"],
      ["azure/gpt-4o", "openai/gpt-4o"],
      ["azure_ai/gpt-4o-mini", "openai/gpt-4o-mini"],
      ["vertex_ai/gemini-2.5-pro", "google/gemini-2.5-pro"],
      ["vertex_ai/claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4-5-20250929"],
      ["gemini/gemini-2.5-flash", "google/gemini-2.5-flash"],
      ["openrouter/anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"],
      ["openrouter/openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"],
      ["litellm_proxy/azure/gpt-4o", "openai/gpt-4o"],
      [
        "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      ],
    ];
    for (const [sent, id] of cases) expect(await resolved(sent), sent).toBe(id);
  });

  it("resolves Bedrock ARNs and cross-region inference profiles", async () => {
    expect(
      await resolved(
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      ),
    ).toBe("amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    expect(await resolved("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0")).toBe(
      "amazon-bedrock/anthropic.claude-haiku-4-5-20251001-v1:0",
    );
    expect(await resolved("apac.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe(
      "amazon-bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
  });

  it("bills a track sent with OpenAI's dated response.model at the undated model's prices", async () => {
    const track = await api.gql(
      `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { event { resolvedModel inputPrice outputPrice cost } } }`,
      {
        i: {
          customerId: "lab",
          feature: "ai_chat",
          idempotencyKey: "dated-1",
          model: "gpt-4o-mini-2024-07-18",
          inputTokens: 1_000_000,
          outputTokens: 1_000_000,
        },
      },
    );
    expect(track.errors).toBeUndefined();
    expect(track.data.trackUsage.event).toEqual({
      resolvedModel: "openai/gpt-4o-mini",
      inputPrice: "0.15",
      outputPrice: "0.60",
      cost: "0.75",
    });
  });
});

describe("token counts from OpenAI's usage (the worked example of core/catalog/README.md)", () => {
  it("bills input without the cached part: prompt_tokens 1,200 with cached_tokens 1,000 is input 200 + cache read 1,000", async () => {
    const track = await api.gql(
      `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { event { resolvedModel providerCost cost } } }`,
      {
        i: {
          customerId: "lab",
          feature: "ai_chat",
          idempotencyKey: "openai-cached-1",
          model: "gpt-4o-mini-2024-07-18",
          inputTokens: 1200 - 1000,
          cacheReadTokens: 1000,
          outputTokens: 300,
        },
      },
    );
    // 200 x $0.15 + 1,000 x $0.075 + 300 x $0.60 per 1M = $0.00003 + $0.000075 + $0.00018
    expect(track.data.trackUsage.event).toEqual({
      resolvedModel: "openai/gpt-4o-mini",
      providerCost: "0.000285",
      cost: "0.000285",
    });
  });
});

describe("setAiModelAlias", () => {
  const SET = `mutation($a: String!, $m: ID!) { setAiModelAlias(alias: $a, modelId: $m) { id } }`;

  it("makes a spelling no rule maps mean a catalog model, behind gateway prefixes too, and repoints it", async () => {
    expect(await resolved("acme-prod-gpt")).toBeNull();
    expect(await api.ok(SET, { a: "acme-prod-gpt", m: "openai/gpt-4o" })).toEqual({
      setAiModelAlias: { id: "openai/gpt-4o" },
    });
    expect(await resolved("acme-prod-gpt")).toBe("openai/gpt-4o");
    expect(await resolved("azure/acme-prod-gpt")).toBe("openai/gpt-4o");
    await api.ok(SET, { a: "acme-prod-gpt", m: "openai/gpt-4o-mini" });
    expect(await resolved("acme-prod-gpt")).toBe("openai/gpt-4o-mini");
    // An alias wins over the heuristics, never over an exact ID.
    await api.ok(SET, { a: "gpt-4o", m: "openai/gpt-4o-mini" });
    expect(await resolved("gpt-4o")).toBe("openai/gpt-4o-mini");
    expect(await resolved("openai/gpt-4o")).toBe("openai/gpt-4o");
  });

  it("refuses an unknown target, an alias that is a model ID, and characters outside the ID set", async () => {
    expectError(await api.gql(SET, { a: "acme-x", m: "openai/no-such-model" }), "NOT_FOUND");
    expectError(await api.gql(SET, { a: "openai/gpt-4o-mini", m: "openai/gpt-4o" }), "BAD_USER_INPUT");
    expectError(await api.gql(SET, { a: "bad alias#1", m: "openai/gpt-4o" }), "BAD_USER_INPUT");
    expect(await resolved("acme-x")).toBeNull();
  });
});
