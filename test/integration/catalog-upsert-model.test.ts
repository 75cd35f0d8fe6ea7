import { beforeAll, describe, expect, it } from "vitest";
import { resolveModel } from "../../core/catalog/resolve";
import { upsertAiModel } from "../../core/catalog/upsert-model";
import { getModel } from "../../core/db/ai-models";
import { DomainError } from "../../core/errors";
import { parseMoney } from "../../core/money";
import { createTestDeps, T0, type TestDeps } from "../support/db";

describe("upsertAiModel", () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps();
  });

  it("stores a company's own model, resolvable at once by its bare ID", async () => {
    const model = await upsertAiModel(deps, {
      id: "acme/support-bot-v2",
      inputPrice: parseMoney("0.8"),
      outputPrice: parseMoney("3.2"),
      cacheReadPrice: parseMoney("0.08"),
    });
    expect(model).toEqual({
      id: "acme/support-bot-v2",
      provider: "acme",
      name: "support-bot-v2",
      input: parseMoney("0.8"),
      output: parseMoney("3.2"),
      cacheRead: parseMoney("0.08"),
      tiers: [],
      updatedAt: T0,
      pinned: true,
    });
    expect(await getModel(deps.db, "acme/support-bot-v2")).toEqual(model);
    expect(await resolveModel(deps, "support-bot-v2")).toEqual(model);
  });

  it("updates the price and keeps the stored name when none is given", async () => {
    await upsertAiModel(deps, { id: "acme/tuned", name: "Tuned", inputPrice: 1n, outputPrice: 2n });
    await deps.clock.advance(new Date("2026-01-05T00:00:00.000Z"));
    const updated = await upsertAiModel(deps, { id: "acme/tuned", inputPrice: 5n, outputPrice: 2n });
    expect(updated).toMatchObject({ name: "Tuned", input: 5n, updatedAt: "2026-01-05T00:00:00.000Z" });
    await deps.clock.advance(new Date("2026-01-06T00:00:00.000Z"));
    const same = await upsertAiModel(deps, { id: "acme/tuned", inputPrice: 5n, outputPrice: 2n });
    expect(same.updatedAt).toBe("2026-01-05T00:00:00.000Z");
  });

  it("refuses an ID without a provider, bad characters or a negative price", async () => {
    for (const input of [
      { id: "tuned", inputPrice: 1n, outputPrice: 1n },
      { id: "acme/x#y", inputPrice: 1n, outputPrice: 1n },
      { id: "acme/x", inputPrice: -1n, outputPrice: 1n },
    ]) {
      await expect(upsertAiModel(deps, input)).rejects.toSatisfy(
        (e: unknown) => e instanceof DomainError && e.code === "BAD_USER_INPUT",
      );
    }
  });
});
