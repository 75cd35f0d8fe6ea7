import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assertComplete, FeedRejectedError, parseFeed, quoteNumbers } from "../../core/catalog/feed";
import { parseMoney } from "../../core/money";

const snapshotText = readFileSync(new URL("../../data/models-dev-snapshot.json", import.meta.url), "utf8");
const feed = (providers: Record<string, unknown>) => JSON.stringify(providers);
const oneModel = (cost: unknown) => feed({ acme: { id: "acme", models: { m1: { id: "m1", name: "M One", cost } } } });

describe("parseFeed", () => {
  it("reads the shipped snapshot: 13 providers, 315 priced models, none skipped", () => {
    const { models, skipped } = parseFeed(snapshotText, { updatedAt: "2026-07-02T00:00:00.000Z" });
    expect(models).toHaveLength(315);
    expect(new Set(models.map((m) => m.provider)).size).toBe(13);
    expect(skipped).toEqual([]);
    expect(models.find((m) => m.id === "anthropic/claude-sonnet-4-6")).toEqual({
      id: "anthropic/claude-sonnet-4-6",
      provider: "anthropic",
      name: "Claude Sonnet 4.6",
      input: parseMoney("3"),
      output: parseMoney("15"),
      cacheRead: parseMoney("0.3"),
      cacheWrite: parseMoney("3.75"),
      tiers: [],
      updatedAt: "2026-07-02T00:00:00.000Z",
    });
    expect(models.find((m) => m.id === "groq/openai/gpt-oss-20b")?.provider).toBe("groq");
  });

  it("keeps the source's decimal digits instead of going through floats", () => {
    expect(quoteNumbers('{"a":0.075,"b":"x 1.5","c":[1e-7,-2]}')).toBe('{"a":"0.075","b":"x 1.5","c":["1e-7","-2"]}');
    const [model] = parseFeed(oneModel({ input: 0.075, output: 1e-7, cache_read: 0.30000000000000004 })).models;
    expect(model?.input).toBe(75_000_000_000n);
    expect(model?.output).toBe(100_000n);
    expect(model?.cacheRead).toBe(parseMoney("0.3")); // 17 decimals, rounded to 12
  });

  it("rounds a float artefact beyond 12 decimals to the ledger unit (bedrock gemma-3-12b: 0.049999999999999996)", () => {
    const gemma = parseFeed(snapshotText).models.find((m) => m.id === "amazon-bedrock/google.gemma-3-12b-it");
    expect(gemma?.input).toBe(parseMoney("0.05"));
    expect(gemma?.output).toBe(parseMoney("0.1"));
  });

  it("ignores cost keys it does not bill (input_audio, reasoning, request, ...) and reads tiers", () => {
    const [model] = parseFeed(
      oneModel({
        input: 1,
        output: 2,
        input_audio: 40,
        reasoning: 9,
        request: 0.01,
        tiers: [{ tier: { size: 128000, type: "context" }, output: 4 }],
      }),
    ).models;
    expect(model).toMatchObject({
      input: parseMoney("1"),
      output: parseMoney("2"),
      tiers: [{ size: 128_000n, output: parseMoney("4") }],
    });
    expect(model?.tiers[0]).not.toHaveProperty("input");
  });

  it("skips, with a reason, models it cannot bill and keeps the rest", () => {
    const { models, skipped } = parseFeed(
      feed({
        acme: {
          models: {
            ok: { name: "OK", cost: { input: 1, output: 2 } },
            free: { name: "Free", cost: { input: 0, output: 0 } },
            "no-cost": { name: "No cost" },
            "input-only": { cost: { input: 1 } },
            negative: { cost: { input: -1, output: 2 } },
            "bad#id": { cost: { input: 1, output: 2 } },
            weird: { cost: { input: "cheap", output: 2 } },
          },
        },
      }),
    );
    expect(models.map((m) => m.id)).toEqual(["acme/ok", "acme/free"]);
    expect(skipped).toEqual([
      { id: "acme/no-cost", reason: "no input/output price" },
      { id: "acme/input-only", reason: "no input/output price" },
      { id: "acme/negative", reason: 'price must not be negative, got "-1"' },
      { id: "acme/bad#id", reason: "ID has characters outside letters, digits and _ - . : @ /" },
      { id: "acme/weird", reason: "unexpected entry (cost.input: must be a decimal number)" },
    ]);
  });

  it("rejects a malformed feed as a whole", () => {
    const rejects = (text: string, reason: RegExp) => {
      expect(() => parseFeed(text)).toThrow(FeedRejectedError);
      expect(() => parseFeed(text)).toThrow(reason);
    };
    rejects("<html>Bad Gateway</html>", /not valid JSON/);
    rejects(snapshotText.slice(0, 50_000), /not valid JSON/);
    rejects("[]", /not the models.dev shape/);
    rejects(feed({ acme: { id: "acme" } }), /not the models.dev shape \(acme.models/);
    rejects("{}", /no model with an input and output price/);
    rejects(oneModel({}), /no model with an input and output price/);
  });
});

describe("assertComplete", () => {
  const { models } = parseFeed(snapshotText);
  it("accepts a feed about as large as what is stored, or larger", () => {
    expect(() => assertComplete(models, { providers: 13, models: 315 })).not.toThrow();
    expect(() => assertComplete(models, { providers: 26, models: 630 })).not.toThrow();
    expect(() => assertComplete(models, { providers: 0, models: 0 })).not.toThrow();
  });
  it("rejects fewer than half the stored providers or models", () => {
    expect(() => assertComplete(models, { providers: 27, models: 315 })).toThrow(/only 13 providers, 27 stored/);
    expect(() => assertComplete(models, { providers: 13, models: 631 })).toThrow(/only 315 priced models, 631 stored/);
  });
});
