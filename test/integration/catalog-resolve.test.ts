import { beforeAll, describe, expect, it } from "vitest";
import { loadSnapshotIfEmpty } from "../../core/catalog/import";
import { resolveModel } from "../../core/catalog/resolve";
import { upsertModels } from "../../core/db/ai-models";
import { DomainError } from "../../core/errors";
import { parseMoney } from "../../core/money";
import { createTestDeps, T0, type TestDeps } from "../support/db";

const custom = (id: string) => ({
  id,
  provider: id.split("/")[0]!,
  name: id,
  input: parseMoney("1"),
  output: parseMoney("2"),
  tiers: [],
  updatedAt: T0,
});

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe("resolveModel", () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps();
    await loadSnapshotIfEmpty(deps);
    await upsertModels(deps.db, [custom("togetherai/gpt-4o")]); // a reseller listing the same bare ID
  });

  it("resolves the exact ID, the gateway spelling and the bare ID to one model", async () => {
    for (const spelling of [
      "anthropic/claude-sonnet-4-6",
      "anthropic/claude-sonnet-4.6",
      "claude-sonnet-4-6",
      "claude-sonnet-4.6",
    ]) {
      const model = await resolveModel(deps, spelling);
      expect(model.id).toBe("anthropic/claude-sonnet-4-6");
      expect(model.input).toBe(parseMoney("3"));
    }
    expect((await resolveModel(deps, "groq/openai/gpt-oss-20b")).id).toBe("groq/openai/gpt-oss-20b");
    expect((await resolveModel(deps, "meta-llama/llama-4-scout-17b-16e-instruct")).id).toBe(
      "groq/meta-llama/llama-4-scout-17b-16e-instruct",
    );
  });

  it("prefers the model's own vendor over a reseller for a bare ID", async () => {
    const model = await resolveModel(deps, "gpt-4o");
    expect(model.id).toBe("openai/gpt-4o");
    expect(model.input).toBe(parseMoney("2.5"));
    expect((await resolveModel(deps, "togetherai/gpt-4o")).input).toBe(parseMoney("1"));
  });

  it("refuses an ambiguous ID with BAD_USER_INPUT listing the candidates", async () => {
    const error = await failure(resolveModel(deps, "openai/gpt-oss-120b"));
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toBe(
      'AI model "openai/gpt-oss-120b" is ambiguous: groq/openai/gpt-oss-120b, togetherai/openai/gpt-oss-120b; send the full provider/model ID',
    );
  });

  it("answers NOT_FOUND for an unknown model, echoing the ID", async () => {
    const error = await failure(resolveModel(deps, "acme/gpt-9"));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe('AI model "acme/gpt-9" not found');
    expect((await failure(resolveModel(deps, "gpt-9"))).code).toBe("NOT_FOUND");
  });

  it("finds a model added after the ID list was cached", async () => {
    await resolveModel(deps, "claude-sonnet-4-6"); // the ID list is cached now
    await upsertModels(deps.db, [custom("acme/house-model-1.5")]);
    expect((await resolveModel(deps, "house-model-1.5")).id).toBe("acme/house-model-1.5");
  });

  it("refuses IDs outside the allowed characters", async () => {
    expect((await failure(resolveModel(deps, "openai/gpt-4o#PRICE"))).code).toBe("BAD_USER_INPUT");
    expect((await failure(resolveModel(deps, ""))).code).toBe("BAD_USER_INPUT");
  });
});
