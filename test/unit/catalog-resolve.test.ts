import { describe, expect, it } from "vitest";
import { matchModelIds, vendorOf } from "../../core/catalog/resolve";

const ids = [
  "anthropic/claude-sonnet-4-6",
  "amazon-bedrock/anthropic.claude-sonnet-4-6",
  "openai/gpt-4o",
  "openai/gpt-4.1",
  "togetherai/gpt-4o",
  "groq/openai/gpt-oss-120b",
  "togetherai/openai/gpt-oss-120b",
  "google/gemini-2.5-pro",
];

describe("matchModelIds", () => {
  it("matches the exact ID", () => {
    expect(matchModelIds("openai/gpt-4o", ids)).toEqual(["openai/gpt-4o"]);
  });
  it("matches the gateway spelling with dots in the version, within that provider", () => {
    expect(matchModelIds("anthropic/claude-sonnet-4.6", ids)).toEqual(["anthropic/claude-sonnet-4-6"]);
    expect(matchModelIds("Anthropic/Claude-Sonnet-4.6", ids)).toEqual([]);
    expect(matchModelIds("anthropic/Claude-Sonnet-4.6", ids)).toEqual(["anthropic/claude-sonnet-4-6"]);
  });
  it("matches bare IDs across providers, exactly first, then loosely", () => {
    expect(matchModelIds("claude-sonnet-4-6", ids)).toEqual(["anthropic/claude-sonnet-4-6"]);
    expect(matchModelIds("claude-sonnet-4.6", ids)).toEqual(["anthropic/claude-sonnet-4-6"]);
    expect(matchModelIds("gpt-4.1", ids)).toEqual(["openai/gpt-4.1"]);
    expect(matchModelIds("gpt-4o", ids)).toEqual(["openai/gpt-4o", "togetherai/gpt-4o"]);
    expect(matchModelIds("openai/gpt-oss-120b", ids)).toEqual([
      "groq/openai/gpt-oss-120b",
      "togetherai/openai/gpt-oss-120b",
    ]);
    expect(matchModelIds("gpt-5", ids)).toEqual([]);
  });
});

describe("vendorOf", () => {
  it("names the vendor from the namespace, else from the model name's prefix", () => {
    expect(vendorOf("openai/gpt-oss-120b")).toBe("openai");
    expect(vendorOf("gpt-4o")).toBe("openai");
    expect(vendorOf("o3-mini")).toBe("openai");
    expect(vendorOf("claude-sonnet-4-6")).toBe("anthropic");
    expect(vendorOf("gemini-2.5-pro")).toBe("google");
    expect(vendorOf("grok-4")).toBe("xai");
    expect(vendorOf("mistral-large-latest")).toBe("mistral");
    expect(vendorOf("llama-3.3-70b")).toBeUndefined();
  });
});
