/**
 * The AI SDK middleware with the AI SDK's own mock model (`ai/test`, `simulateReadableStream`)
 * against the real API: generate and stream in track and check modes, the usage mapping, the keys,
 * a failed report that leaves the response intact, and a denial that never calls the model.
 */
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from "@ai-sdk/provider";
import { generateText, simulateReadableStream, streamText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billableUsage, EntitlementDeniedError, tracked, type TrackingErrorContext } from "../src/ai-sdk.js";
import { type BillingClient, createBillingClient, isBillingError } from "../src/index.js";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
let client: BillingClient;

/** 1,000 fresh input tokens, 400 read from cache, 100 written to it; 300 output of which 100 reasoning. */
const USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 1500, noCache: 1000, cacheRead: 400, cacheWrite: 100 },
  outputTokens: { total: 300, text: 200, reasoning: 100 },
};
/** At $2 / $10 / $0.5 / $2.5 per 1M (input, output, cache read, cache write) and a 50% margin. */
const COST = "0.008175";

const generating = (responseId: string | undefined, usage: LanguageModelV3Usage = USAGE) =>
  new MockLanguageModelV3({
    modelId: "mock-model-1",
    doGenerate: async () => ({
      content: [{ type: "text", text: "Hello" }],
      finishReason: { unified: "stop", raw: "stop" },
      usage,
      warnings: [],
      response: { id: responseId, modelId: "mock-model-1-2026-01", timestamp: new Date(0) },
    }),
  });

const streaming = (responseId: string, usage: LanguageModelV3Usage = USAGE) =>
  new MockLanguageModelV3({
    modelId: "mock-model-1",
    doStream: async () => ({
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [
          { type: "stream-start", warnings: [] },
          { type: "response-metadata", id: responseId, modelId: "mock-model-1-2026-01", timestamp: new Date(0) },
          { type: "text-start", id: "t" },
          { type: "text-delta", id: "t", delta: "Hel" },
          { type: "text-delta", id: "t", delta: "lo" },
          { type: "text-end", id: "t" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
        ],
      }),
    }),
  });

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await api.ok(`mutation { upsertAiModel(id: "mockai/mock-model-1-2026-01", inputPrice: "2", outputPrice: "10",
    cacheReadPrice: "0.5", cacheWritePrice: "2.5") { id } }`);
  await f.features({ assistant: "METERED", chats: "METERED" });
  await f.plan({
    code: "ai",
    model: "BALANCE",
    basePrice: "10",
    features: [{ feature: "assistant", pricing: "AI_MODEL", marginBps: 5000 }],
  });
  await f.plan({
    // Token counts on a feature that is not AI_MODEL priced book their sum as units (the API's rule):
    // one call of USAGE is 1,800 units, so these credits last exactly one call.
    code: "chat-credits",
    model: "CREDITS",
    basePrice: "5",
    includedCredits: "1800",
    features: [{ feature: "chats", creditsPerUnit: "1" }],
  });
  client = createBillingClient({ url: api.url, apiKey: TEST_KEY, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
});
afterAll(() => api?.close());

const events = (customerId: string) => f.events(customerId);
const AI_EVENT = `idempotencyKey model inputTokens outputTokens cacheReadTokens cacheWriteTokens cost`;
const aiEvents = async (customerId: string) =>
  (
    await api.ok(`query($c: ID!) { customer(id: $c) { events(first: 100) { edges { node { ${AI_EVENT} } } } } }`, {
      c: customerId,
    })
  ).customer.events.edges.map((e: any) => e.node);

describe("usage mapping", () => {
  it("maps input without cache, cache read and write, and output including reasoning", () => {
    expect(billableUsage(USAGE)).toEqual({
      inputTokens: 1000,
      outputTokens: 300,
      cacheReadTokens: 400,
      cacheWriteTokens: 100,
    });
  });

  it("falls back to totals less cache, and to text plus reasoning, when the provider omits the breakdown", () => {
    const partial: LanguageModelV3Usage = {
      inputTokens: { total: 1500, noCache: undefined, cacheRead: 400, cacheWrite: undefined },
      outputTokens: { total: undefined, text: 200, reasoning: 100 },
    };
    expect(billableUsage(partial)).toEqual({
      inputTokens: 1100,
      outputTokens: 300,
      cacheReadTokens: 400,
      cacheWriteTokens: 0,
    });
    const none: LanguageModelV3Usage = {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
    expect(billableUsage(none)).toBeUndefined();
  });
});

describe("track mode", () => {
  it("given generateText, then the call is billed with the provider's usage, model id and response id", async () => {
    await f.customerOn("gen", "ai");
    const model = tracked(generating("resp-1"), { client, customerId: "gen", feature: "assistant" });
    const { text } = await generateText({ model, prompt: "Hi" });
    expect(text).toBe("Hello");
    expect(await aiEvents("gen")).toEqual([
      {
        idempotencyKey: "ai:mock-provider:resp-1",
        model: "mock-model-1-2026-01",
        inputTokens: 1000,
        outputTokens: 300,
        cacheReadTokens: 400,
        cacheWriteTokens: 100,
        cost: COST,
      },
    ]);
  });

  it("given the same provider response reported twice (a retried report), then it is billed once", async () => {
    await f.customerOn("twice", "ai");
    const model = tracked(generating("resp-same"), { client, customerId: "twice", feature: "assistant" });
    await generateText({ model, prompt: "Hi" });
    await generateText({ model, prompt: "Hi" });
    expect(await events("twice")).toHaveLength(1);
    expect((await f.wallet("twice")).spent).toBe("0.008175");
  });

  it("given no response id, then each call gets its own generated key", async () => {
    await f.customerOn("noid", "ai");
    const model = tracked(generating(undefined), { client, customerId: "noid", feature: "assistant" });
    await generateText({ model, prompt: "Hi" });
    await generateText({ model, prompt: "Hi" });
    const keys = (await aiEvents("noid")).map((e: any) => e.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[0]).toMatch(/^ai:[0-9a-f-]{36}$/);
  });

  it("given idempotencyKey: a request id, then the calls are keyed <key>:1, <key>:2 and a rerun of the request bills nothing more", async () => {
    await f.customerOn("keyed", "ai");
    for (let run = 0; run < 2; run++) {
      const model = tracked(generating(undefined), {
        client,
        customerId: "keyed",
        feature: "assistant",
        idempotencyKey: "req-9",
      });
      await generateText({ model, prompt: "first" });
      await generateText({ model, prompt: "second" });
    }
    expect((await aiEvents("keyed")).map((e: any) => e.idempotencyKey)).toEqual(["req-9:2", "req-9:1"]);
  });

  it("given streamText, then the call is billed at the finish part, before the stream closes", async () => {
    await f.customerOn("stream", "ai");
    const model = tracked(streaming("resp-s1"), { client, customerId: "stream", feature: "assistant" });
    const result = streamText({ model, prompt: "Hi" });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe("Hello");
    expect(await aiEvents("stream")).toEqual([
      {
        idempotencyKey: "ai:mock-provider:resp-s1",
        model: "mock-model-1-2026-01",
        inputTokens: 1000,
        outputTokens: 300,
        cacheReadTokens: 400,
        cacheWriteTokens: 100,
        cost: COST,
      },
    ]);
  });

  it("given a report the API refuses, then the response is intact and onTrackingError gets the typed error", async () => {
    await f.customer("unsubscribed");
    const seen: { error: unknown; context: TrackingErrorContext }[] = [];
    const options = {
      client,
      customerId: "unsubscribed",
      feature: "assistant",
      onTrackingError: (error: unknown, context: TrackingErrorContext) => seen.push({ error, context }),
    };
    const { text } = await generateText({ model: tracked(generating("resp-x"), options), prompt: "Hi" });
    expect(text).toBe("Hello");
    const streamed = streamText({ model: tracked(streaming("resp-y"), options), prompt: "Hi" });
    expect(await streamed.text).toBe("Hello");
    expect(seen.map((s) => [isBillingError(s.error) && s.error.code, s.context.idempotencyKey])).toEqual([
      ["NO_SUBSCRIPTION", "ai:mock-provider:resp-x"],
      ["NO_SUBSCRIPTION", "ai:mock-provider:resp-y"],
    ]);
    expect(seen[0]!.context.usage).toEqual({
      model: "mock-model-1-2026-01",
      inputTokens: 1000,
      outputTokens: 300,
      cacheReadTokens: 400,
      cacheWriteTokens: 100,
    });
  });

  it("given an unreachable billing API and a handler that throws, then the response is still intact", async () => {
    const down = createBillingClient({ url: "http://127.0.0.1:9/graphql", apiKey: TEST_KEY, retry: { maxRetries: 0 } });
    const model = tracked(generating("resp-z"), {
      client: down,
      customerId: "gen",
      feature: "assistant",
      onTrackingError: () => {
        throw new Error("handler bug");
      },
    });
    expect((await generateText({ model, prompt: "Hi" })).text).toBe("Hello");
  });

  it("given zero usage, then nothing is reported; given no usage at all, then onTrackingError hears of it", async () => {
    await f.customerOn("zero", "ai");
    const errors: unknown[] = [];
    const zero: LanguageModelV3Usage = {
      inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 0, text: 0, reasoning: 0 },
    };
    const unknown: LanguageModelV3Usage = {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
    const options = {
      client,
      customerId: "zero",
      feature: "assistant",
      onTrackingError: (e: unknown) => errors.push(e),
    };
    await generateText({ model: tracked(generating("z-1", zero), options), prompt: "Hi" });
    await generateText({ model: tracked(generating("z-2", unknown), options), prompt: "Hi" });
    expect(await events("zero")).toEqual([]);
    expect(errors.map((e) => isBillingError(e) && e.message)).toEqual(["the provider reported no token usage"]);
  });
});

describe("check mode", () => {
  it("given an allowed customer, then the entitlement is checked, the model called and the call billed", async () => {
    await f.customerOn("checked", "ai");
    const mock = generating("resp-c1");
    const model = tracked(mock, { client, customerId: "checked", feature: "assistant", mode: "check" });
    expect((await generateText({ model, prompt: "Hi" })).text).toBe("Hello");
    expect(mock.doGenerateCalls).toHaveLength(1);
    expect(await events("checked")).toHaveLength(1);
  });

  it("given a customer without a subscription, then generateText throws the typed denial and the model is never called", async () => {
    await f.customer("denied");
    const mock = generating("resp-d1");
    const model = tracked(mock, { client, customerId: "denied", feature: "assistant", mode: "check" });
    const error = await generateText({ model, prompt: "Hi" }).then(
      () => undefined,
      (e) => e,
    );
    expect(error).toBeInstanceOf(EntitlementDeniedError);
    expect([error.code, error.entitlement.allowed, error.entitlement.reason]).toEqual([
      "NO_SUBSCRIPTION",
      false,
      "NO_SUBSCRIPTION",
    ]);
    expect(mock.doGenerateCalls).toHaveLength(0);
  });

  it("given a feature that does not exist, then the denial's reason is UNKNOWN_FEATURE and its code NOT_FOUND", async () => {
    const mock = generating("resp-u1");
    const model = tracked(mock, { client, customerId: "checked", feature: "no-such-feature", mode: "check" });
    const error = await generateText({ model, prompt: "Hi" }).catch((e) => e);
    expect(error).toBeInstanceOf(EntitlementDeniedError);
    expect([error.code, error.reason]).toEqual(["NOT_FOUND", "UNKNOWN_FEATURE"]);
    expect(mock.doGenerateCalls).toHaveLength(0);
  });

  it("given credits for one call, then streamText streams the first and the second is denied before the model is called", async () => {
    await f.customerOn("one-chat", "chat-credits");
    const mock = streaming("resp-cs1");
    const model = tracked(mock, { client, customerId: "one-chat", feature: "chats", mode: "check" });
    const first = streamText({ model, prompt: "Hi" });
    expect(await first.text).toBe("Hello");
    expect((await f.wallet("one-chat")).credits).toBe("0");

    const errors: unknown[] = [];
    const second = streamText({ model, prompt: "Hi", onError: ({ error }) => void errors.push(error) });
    for await (const _ of second.fullStream) {
      // drain: the denial arrives as the stream's error
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(EntitlementDeniedError);
    expect((errors[0] as EntitlementDeniedError).code).toBe("INSUFFICIENT_CREDITS");
    expect(mock.doStreamCalls).toHaveLength(1);
  });

  it("given an unknown mode, then tracked refuses it at once", () => {
    expect(() => tracked(generating("x"), { client, customerId: "x", feature: "x", mode: "hold" as never })).toThrow(
      /unknown mode "hold"/,
    );
  });
});
