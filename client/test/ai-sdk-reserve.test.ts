/**
 * The AI SDK middleware's `reserve` mode with the AI SDK's own mock model against the real API: the
 * worst case held before the call (the prompt's estimate plus maxOutputTokens), the actual usage
 * settled after it (generate, and a stream's finish part before it closes), a refusal that never
 * calls the model, and the hold released when the call fails or a stream is cancelled before its usage.
 */
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from "@ai-sdk/provider";
import { generateText, simulateReadableStream, streamText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tracked } from "../src/ai-sdk.js";
import { type BillingClient, createBillingClient, isBillingError } from "../src/index.js";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
let client: BillingClient;

const USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 1000, noCache: 1000, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 300, text: 300, reasoning: 0 },
};
let generated = 0;
const model = (fail = false) =>
  new MockLanguageModelV3({
    modelId: "mock-model-1",
    doGenerate: async () => {
      generated++;
      if (fail) throw new Error("provider down");
      return {
        content: [{ type: "text", text: "Hello" }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: USAGE,
        warnings: [],
        response: { id: "resp-1", modelId: "mock-model-1", timestamp: new Date(0) },
      };
    },
    doStream: async () => ({
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [
          { type: "stream-start", warnings: [] },
          { type: "text-start", id: "t" },
          { type: "text-delta", id: "t", delta: "Hello" },
          { type: "text-end", id: "t" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: USAGE },
        ],
      }),
    }),
  });

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await api.ok(`mutation { upsertAiModel(id: "mockai/mock-model-1", inputPrice: "2", outputPrice: "10") { id } }`);
  await f.features({ assistant: "METERED" });
  await f.plan({
    code: "ai",
    model: "BALANCE",
    basePrice: "1",
    blockOnExhaustion: true,
    features: [{ feature: "assistant", pricing: "AI_MODEL", marginBps: 0 }],
  });
  client = createBillingClient({ url: api.url, apiKey: TEST_KEY, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
});
afterAll(() => api?.close());

const reservations = async (c: string, status: string) =>
  (
    await api.ok(
      `query($c: ID!, $s: ReservationStatus) { customer(id: $c) { reservations(status: $s) { idempotencyKey } wallet { balance heldAmount } } }`,
      {
        c,
        s: status,
      },
    )
  ).customer;

it("generateText: the worst case is held, the actual usage settled as one event under the reservation's key", async () => {
  await f.customerOn("gen", "ai");
  const options = {
    client,
    customerId: "gen",
    feature: "assistant",
    mode: "reserve" as const,
    idempotencyKey: "req-1",
  };
  const result = await generateText({ model: tracked(model(), options), prompt: "Hi there", maxOutputTokens: 2000 });
  expect(result.text).toBe("Hello");
  // Held: (2 prompt tokens x $2 + 2,000 x $10) / 1M; settled: 1,000 x $2 + 300 x $10 = $0.005.
  const settled = await reservations("gen", "SETTLED");
  expect(settled.reservations).toEqual([{ idempotencyKey: "req-1:1" }]);
  expect(settled.wallet).toEqual({ balance: "0.995", heldAmount: "0.00" });
  const events = await f.events("gen");
  expect(events.map((e: any) => [e.idempotencyKey, e.cost])).toEqual([["req-1:1", "0.005"]]);
});

it("a refusal throws its typed error and the model is never called", async () => {
  await f.customerOn("poor", "ai");
  const before = generated;
  const options = {
    client,
    customerId: "poor",
    feature: "assistant",
    mode: "reserve" as const,
    maxOutputTokens: 200_000,
  };
  const error = await generateText({ model: tracked(model(), options), prompt: "Hi" }).catch((e) => e);
  expect(isBillingError(error) && error.code).toBe("INSUFFICIENT_BALANCE");
  expect(generated).toBe(before);
});

it("a failing call releases the hold and rethrows", async () => {
  await f.customerOn("down", "ai");
  const options = { client, customerId: "down", feature: "assistant", mode: "reserve" as const, idempotencyKey: "d" };
  await expect(generateText({ model: tracked(model(true), options), prompt: "Hi", maxRetries: 0 })).rejects.toThrow();
  const released = await reservations("down", "RELEASED");
  expect(released.reservations).toEqual([{ idempotencyKey: "d:1" }]);
  expect(released.wallet).toEqual({ balance: "1.00", heldAmount: "0.00" });
});

it("streamText: settled at the finish part, before the stream closes; a stream cancelled before its usage releases", async () => {
  await f.customerOn("stream", "ai");
  const options = { client, customerId: "stream", feature: "assistant", mode: "reserve" as const, idempotencyKey: "s" };
  const result = streamText({ model: tracked(model(), options), prompt: "Hi", maxOutputTokens: 100 });
  expect(await result.text).toBe("Hello");
  expect((await reservations("stream", "SETTLED")).reservations).toEqual([{ idempotencyKey: "s:1" }]);

  const wrapped = tracked(model(), { ...options, idempotencyKey: "c" });
  const { stream } = await wrapped.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] });
  const reader = stream.getReader();
  await reader.read();
  await reader.cancel();
  const released = await reservations("stream", "RELEASED");
  expect(released.reservations).toEqual([{ idempotencyKey: "c:1" }]);
  expect(released.wallet.heldAmount).toBe("0.00");
});
