import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { FeedRejectedError } from "../../core/catalog/feed";
import { importCatalog, loadSnapshotIfEmpty } from "../../core/catalog/import";
import type { ModelPrice } from "../../core/catalog/model-price";
import { getModel, listModels, upsertModels } from "../../core/db/ai-models";
import { parseMoney } from "../../core/money";
import { createTestDeps, T0, type TestDeps } from "../support/db";

const snapshotText = readFileSync(new URL("../../data/models-dev-snapshot.json", import.meta.url), "utf8");
type Feed = Record<string, { models: Record<string, { cost: Record<string, unknown>; name?: string }> }>;
const snapshot = () => JSON.parse(snapshotText) as Feed;

describe("importCatalog", () => {
  let deps: TestDeps;
  const lines: string[] = [];
  beforeAll(async () => {
    deps = await createTestDeps();
  });

  it("loads the snapshot into an empty store, with a line per provider and a summary", async () => {
    const summary = await loadSnapshotIfEmpty(deps, { log: (line) => lines.push(line) });
    expect(summary).toEqual({ added: 315, changed: 0, unchanged: 0, skipped: [], held: [], pinned: 0 });
    expect(lines).toHaveLength(14);
    expect(lines).toContain("anthropic: 24 added, 0 changed, 0 unchanged, 0 skipped");
    expect(lines.at(-1)).toBe(
      "catalog: 315 models from 13 providers: 315 added, 0 changed, 0 unchanged, 0 skipped, 0 held, 0 pinned",
    );
    expect(await listModels(deps.db)).toHaveLength(315);
    expect(await loadSnapshotIfEmpty(deps)).toBeUndefined();
  });

  it("reads prices back exactly, tiers included", async () => {
    expect(await getModel(deps.db, "google/gemini-2.5-pro")).toEqual({
      id: "google/gemini-2.5-pro",
      provider: "google",
      name: "gemini-2.5-pro",
      input: parseMoney("1.25"),
      output: parseMoney("10"),
      cacheRead: parseMoney("0.125"),
      tiers: [{ size: 200_000n, input: parseMoney("2.5"), output: parseMoney("15"), cacheRead: parseMoney("0.25") }],
      updatedAt: T0,
    });
    expect(await getModel(deps.db, "openai/no-such-model")).toBeUndefined();
  });

  it("lists by provider (Query on the catalog partition) and by search text in ID or name", async () => {
    const anthropic = await listModels(deps.db, { provider: "anthropic" });
    expect(anthropic).toHaveLength(24);
    expect(anthropic.every((m) => m.provider === "anthropic")).toBe(true);
    const sonnets = await listModels(deps.db, { provider: "anthropic", search: "SONNET 4.6" });
    expect(sonnets.map((m) => m.id)).toEqual(["anthropic/claude-sonnet-4-6"]);
    expect((await listModels(deps.db, { search: "gpt-oss-120b" })).map((m) => m.id)).toEqual([
      "amazon-bedrock/openai.gpt-oss-120b",
      "amazon-bedrock/openai.gpt-oss-120b-1:0",
      "fireworks-ai/accounts/fireworks/models/gpt-oss-120b",
      "groq/openai/gpt-oss-120b",
      "togetherai/openai/gpt-oss-120b",
    ]);
  });

  it("re-importing the same feed writes nothing", async () => {
    await deps.clock.advance(new Date("2026-01-02T00:00:00.000Z"));
    expect(await importCatalog(deps, snapshotText)).toEqual({
      added: 0,
      changed: 0,
      unchanged: 315,
      skipped: [],
      held: [],
      pinned: 0,
    });
    expect((await getModel(deps.db, "openai/gpt-4o"))?.updatedAt).toBe(T0);
  });

  it("a changed price updates only that model; a new model is added", async () => {
    const feed = snapshot();
    feed.openai!.models["gpt-4o"]!.cost.input = 2.25;
    feed.openai!.models["acme-new"] = { name: "Acme New", cost: { input: 1, output: 2 } };
    feed.mistral!.models["no-price"] = { name: "No price", cost: {} };
    const summary = await importCatalog(deps, JSON.stringify(feed));
    expect(summary).toEqual({
      added: 1,
      changed: 1,
      unchanged: 314,
      skipped: [{ id: "mistral/no-price", reason: "no input/output price" }],
      held: [],
      pinned: 0,
    });
    const gpt4o = await getModel(deps.db, "openai/gpt-4o");
    expect(gpt4o?.input).toBe(parseMoney("2.25"));
    expect(gpt4o?.updatedAt).toBe("2026-01-02T00:00:00.000Z");
    expect((await getModel(deps.db, "openai/gpt-4o-mini"))?.updatedAt).toBe(T0);
    expect(await listModels(deps.db)).toHaveLength(316);
  });

  it("a malformed, empty or partial feed changes nothing", async () => {
    const before = await listModels(deps.db);
    const partial = snapshot();
    for (const provider of Object.keys(partial).slice(3)) delete partial[provider];
    const halfModels = snapshot();
    for (const [name, provider] of Object.entries(halfModels))
      if (name !== "amazon-bedrock") provider.models = { only: { cost: { input: 0, output: 0 } } };
    const bad = [
      snapshotText.slice(0, 20_000),
      "{}",
      '{"openai": {"name": "OpenAI"}}',
      JSON.stringify(partial),
      JSON.stringify(halfModels),
    ];
    for (const text of bad) await expect(importCatalog(deps, text)).rejects.toBeInstanceOf(FeedRejectedError);
    expect(await listModels(deps.db)).toEqual(before);
  });

  it("stores prices far beyond float precision without loss", async () => {
    const huge: ModelPrice = {
      id: "acme/huge",
      provider: "acme",
      name: "Huge",
      input: 12345678901234567890123456789012345678n,
      output: 1n,
      cacheWrite: 999_999_999_999_999_999n,
      tiers: [{ size: 9_007_199_254_740_993n, output: 3n }],
      updatedAt: T0,
    };
    expect(await upsertModels(deps.db, [huge])).toEqual({ added: ["acme/huge"], changed: [], unchanged: [] });
    expect(await getModel(deps.db, "acme/huge")).toEqual(huge);
    expect(await upsertModels(deps.db, [huge])).toEqual({ added: [], changed: [], unchanged: ["acme/huge"] });
  });
});
