import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFeed } from "../../core/catalog/feed";
import type { ModelPrice } from "../../core/catalog/model-price";
import { priceTokens } from "../../core/catalog/price-tokens";
import { DomainError } from "../../core/errors";
import { formatMoney, parseMoney } from "../../core/money";

const snapshot = parseFeed(readFileSync(new URL("../../data/models-dev-snapshot.json", import.meta.url), "utf8"));
const model = (id: string): ModelPrice => {
  const found = snapshot.models.find((m) => m.id === id);
  if (!found) throw new Error(`no ${id} in the snapshot`);
  return found;
};
const tokens = (t: Partial<{ input: bigint; output: bigint; cacheRead: bigint; cacheWrite: bigint }>) => ({
  input: 0n,
  output: 0n,
  cacheRead: 0n,
  cacheWrite: 0n,
  ...t,
});
const sonnetLike: ModelPrice = {
  id: "acme/sonnet-like",
  provider: "acme",
  name: "Sonnet-like",
  input: parseMoney("3.00"),
  output: parseMoney("15.00"),
  tiers: [],
  updatedAt: "2026-01-01T00:00:00.000Z",
};

describe("priceTokens", () => {
  it("bills $3.00 / $15.00 per 1M at a 40% margin as exactly $4.20 / $21.00 per 1M", () => {
    const input = priceTokens(sonnetLike, tokens({ input: 1_000_000n }), 4_000);
    const output = priceTokens(sonnetLike, tokens({ output: 1_000_000n }), 4_000);
    expect(input.cost).toBe(parseMoney("4.20"));
    expect(input.providerCost).toBe(parseMoney("3"));
    expect(output.cost).toBe(parseMoney("21.00"));
    expect(output.providerCost).toBe(parseMoney("15"));
    expect(formatMoney(input.cost)).toBe("4.20");
    expect(formatMoney(output.cost)).toBe("21.00");
  });

  it("prices 1,500 input + 300 output tokens of openai/gpt-4o at 0 margin as exactly $0.00675", () => {
    const gpt4o = model("openai/gpt-4o");
    expect(gpt4o.input).toBe(parseMoney("2.5"));
    expect(gpt4o.output).toBe(parseMoney("10"));
    const result = priceTokens(gpt4o, tokens({ input: 1_500n, output: 300n }), 0);
    expect(result.cost).toBe(6_750_000_000n);
    expect(formatMoney(result.cost)).toBe("0.00675");
    expect(result.providerCost).toBe(result.cost);
  });

  it("bills cache-read tokens at the cache price, and cache writes without one at the input price", () => {
    const gpt4o = model("openai/gpt-4o");
    expect(gpt4o.cacheRead).toBe(parseMoney("1.25"));
    expect(gpt4o.cacheWrite).toBeUndefined();
    const result = priceTokens(
      gpt4o,
      tokens({ input: 1_500n, output: 300n, cacheRead: 10_000n, cacheWrite: 2_000n }),
      0,
    );
    // 1,500 x 2.50 + 300 x 10 + 10,000 x 1.25 + 2,000 x 2.50, per 1M
    expect(formatMoney(result.cost)).toBe("0.02425");
    expect(result.unitPrices).toEqual({
      input: parseMoney("2.5"),
      output: parseMoney("10"),
      cacheRead: parseMoney("1.25"),
      cacheWrite: parseMoney("2.5"),
    });
  });

  it("uses both cache prices where the catalog has them (anthropic/claude-sonnet-4-6)", () => {
    const sonnet = model("anthropic/claude-sonnet-4-6");
    const result = priceTokens(
      sonnet,
      tokens({ input: 1_000n, output: 1_000n, cacheRead: 100_000n, cacheWrite: 10_000n }),
      0,
    );
    // 1,000 x 3 + 1,000 x 15 + 100,000 x 0.30 + 10,000 x 3.75, per 1M = 0.003 + 0.015 + 0.03 + 0.0375
    expect(formatMoney(result.cost)).toBe("0.0855");
  });

  it("applies a tier when the prompt (input + cache read + cache write) exceeds its size, else the base", () => {
    const gemini = model("google/gemini-2.5-pro");
    expect(gemini.tiers).toEqual([
      { size: 200_000n, input: parseMoney("2.5"), output: parseMoney("15"), cacheRead: parseMoney("0.25") },
    ]);
    const atLimit = priceTokens(gemini, tokens({ input: 150_000n, cacheRead: 50_000n, output: 1_000n }), 0);
    expect(atLimit.unitPrices.input).toBe(parseMoney("1.25"));
    const over = priceTokens(gemini, tokens({ input: 150_000n, cacheRead: 50_001n, output: 1_000n }), 0);
    expect(over.unitPrices).toEqual({
      input: parseMoney("2.5"),
      output: parseMoney("15"),
      cacheRead: parseMoney("0.25"),
      cacheWrite: parseMoney("2.5"),
    });
    // 150,000 x 2.5 + 50,001 x 0.25 + 1,000 x 15, per 1M
    expect(formatMoney(over.cost)).toBe("0.40250025");
  });

  it("picks the largest applicable tier; a price the tier lacks falls back to the base price", () => {
    const tiered: ModelPrice = {
      ...sonnetLike,
      cacheRead: parseMoney("0.3"),
      tiers: [
        { size: 1_000_000n, input: parseMoney("9") },
        { size: 100_000n, input: parseMoney("6"), output: parseMoney("20") },
      ],
    };
    expect(priceTokens(tiered, tokens({ input: 200_000n }), 0).unitPrices).toEqual({
      input: parseMoney("6"),
      output: parseMoney("20"),
      cacheRead: parseMoney("0.3"),
      cacheWrite: parseMoney("6"),
    });
    expect(priceTokens(tiered, tokens({ input: 2_000_000n }), 0).unitPrices).toEqual({
      input: parseMoney("9"),
      output: parseMoney("15"),
      cacheRead: parseMoney("0.3"),
      cacheWrite: parseMoney("9"),
    });
  });

  it("sums a million cheap embedding events to exactly a million times one event, with no drift", () => {
    const embedding = model("openai/text-embedding-3-small");
    expect(embedding.input).toBe(parseMoney("0.02"));
    const single = priceTokens(embedding, tokens({ input: 10n }), 2_500).cost;
    expect(formatMoney(single)).toBe("0.00000025"); // 10 x $0.02 / 1M x 1.25, below $0.0001
    let total = 0n;
    for (let i = 0; i < 1_000_000; i++) total += single;
    expect(total).toBe(single * 1_000_000n);
    expect(formatMoney(total)).toBe("0.25");
    expect(priceTokens(embedding, tokens({ input: 10_000_000n }), 2_500).cost).toBe(total);
  });

  it("rounds once at the end, to the ledger unit, half away from zero", () => {
    const nova = model("amazon-bedrock/amazon.nova-micro-v1:0"); // $0.035 input per 1M, no cache-write price
    // one token at 1 bps: 0.035 x 1.0001 / 1M USD = 35,003.5 ledger units -> 35,004
    expect(priceTokens(nova, tokens({ input: 1n }), 1).cost).toBe(35_004n);
    // one input + one cache-write token: 70,007 exactly; rounding each type first would say 70,008
    const both = priceTokens(nova, tokens({ input: 1n, cacheWrite: 1n }), 1);
    expect(both.cost).toBe(70_007n);
    expect(both.providerCost).toBe(70_000n);
  });

  it("refuses a margin outside 0..100,000 bps and negative token counts", () => {
    for (const margin of [-1, 100_001, 1.5, Number.NaN]) {
      expect(() => priceTokens(sonnetLike, tokens({ input: 1n }), margin)).toThrow(DomainError);
    }
    expect(priceTokens(sonnetLike, tokens({ input: 1_000_000n }), 100_000).cost).toBe(parseMoney("33"));
    expect(() => priceTokens(sonnetLike, tokens({ input: -1n }), 0)).toThrow(/must not be negative/);
  });
});
