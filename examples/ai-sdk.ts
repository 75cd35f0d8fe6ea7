/**
 * Bill Vercel AI SDK calls by themselves, offline: the AI SDK's mock model plays the provider
 * (swap in `openai("gpt-4o")` or `anthropic("claude-sonnet-4-6")` for real). Each call is reported
 * with its tokens to the demo customer's `ai_chat` feature, priced from the model catalog plus the
 * plan's 40% margin.
 *
 *   npm run example examples/ai-sdk.ts
 */
import { createBillingClient } from "@ai-billing/client";
import { tracked } from "@ai-billing/client/ai-sdk";
import { generateText, simulateReadableStream, streamText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { connection } from "./connection";

const billing = createBillingClient(connection());

const usage = {
  inputTokens: { total: 1500, noCache: 1200, cacheRead: 300, cacheWrite: undefined },
  outputTokens: { total: 350, text: 300, reasoning: 50 },
};
const provider = new MockLanguageModelV3({
  modelId: "claude-sonnet-4-6",
  doGenerate: async () => ({
    content: [{ type: "text", text: "Hello from the mock model." }],
    finishReason: { unified: "stop", raw: "stop" },
    usage,
    warnings: [],
    response: { id: `msg_${Date.now()}`, modelId: "claude-sonnet-4-6" },
  }),
  doStream: async () => ({
    stream: simulateReadableStream({
      chunks: [
        { type: "response-metadata", id: `msg_s${Date.now()}`, modelId: "claude-sonnet-4-6" },
        { type: "text-start", id: "t" },
        { type: "text-delta", id: "t", delta: "Streamed " },
        { type: "text-delta", id: "t", delta: "hello." },
        { type: "text-end", id: "t" },
        { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
      ],
    }),
  }),
});

// mode "check": ask first (a denial throws EntitlementDeniedError and the model is not called), then bill.
const model = tracked(provider, { client: billing, customerId: "demo", feature: "ai_chat", mode: "check" });

const { text } = await generateText({ model, prompt: "Say hello" });
console.log(`generated: ${text}`);

const stream = streamText({ model, prompt: "Say hello" });
for await (const delta of stream.textStream) process.stdout.write(delta);
process.stdout.write("\n");

const customer = await billing.customers.get("demo");
const chat = customer?.usage.find((u) => u.feature.code === "ai_chat");
console.log(`ai_chat this period: ${chat?.used} tokens, ${chat?.cost} spent; balance ${customer?.wallet.balance}`);
