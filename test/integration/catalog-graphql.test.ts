// The CommonJS build, the same one Pothos loads under Node (vite would pick index.mjs: two realms).
import { graphql, type GraphQLSchema } from "graphql/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSnapshotIfEmpty } from "../../core/catalog/import";
import { builder } from "../../schema/builder";
import "../../schema/scalars";
import "../../schema/ai-models";
import { createTestDeps, T0, type TestDeps } from "../support/db";

describe("GraphQL: aiModels, aiModel, upsertAiModel", () => {
  let deps: TestDeps;
  let schema: GraphQLSchema;
  const run = async (source: string, variableValues?: Record<string, unknown>) =>
    JSON.parse(
      JSON.stringify(
        await graphql({ schema, source, variableValues, contextValue: { deps, principal: { kind: "bootstrap" } } }),
      ),
    );

  beforeAll(async () => {
    deps = await createTestDeps();
    await loadSnapshotIfEmpty(deps);
    schema = builder.toSchema();
  });

  it("lists a provider's models by search text and looks one up by any spelling", async () => {
    const result = await run(`{
      aiModels(provider: "anthropic", search: "sonnet-4-6") { id name inputPrice outputPrice cacheReadPrice cacheWritePrice updatedAt }
      gateway: aiModel(id: "anthropic/claude-sonnet-4.6") { id }
      missing: aiModel(id: "acme/nothing") { id }
    }`);
    expect(result).toEqual({
      data: {
        aiModels: [
          {
            id: "anthropic/claude-sonnet-4-6",
            name: "Claude Sonnet 4.6",
            inputPrice: "3.00",
            outputPrice: "15.00",
            cacheReadPrice: "0.30",
            cacheWritePrice: "3.75",
            updatedAt: T0,
          },
        ],
        gateway: { id: "anthropic/claude-sonnet-4-6" },
        missing: null,
      },
    });
  });

  it("upserts a company's own model from decimal strings, exactly", async () => {
    const result = await run(
      `mutation ($input: Money!) {
        upsertAiModel(id: "acme/bot", name: "Acme Bot", inputPrice: $input, outputPrice: 0.000000000001) {
          id provider name inputPrice outputPrice cacheReadPrice
        }
      }`,
      { input: "0.123456789012" },
    );
    expect(result).toEqual({
      data: {
        upsertAiModel: {
          id: "acme/bot",
          provider: "acme",
          name: "Acme Bot",
          inputPrice: "0.123456789012",
          outputPrice: "0.000000000001",
          cacheReadPrice: null,
        },
      },
    });
  });

  it("refuses an ambiguous model ID with BAD_USER_INPUT", async () => {
    const result = await run(`{ aiModel(id: "openai/gpt-oss-120b") { id } }`);
    expect(result.errors[0].message).toContain("is ambiguous");
  });
});
