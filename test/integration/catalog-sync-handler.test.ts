import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { upsertAiModel } from "../../core/catalog/upsert-model";
import { getModel, listModels } from "../../core/db/ai-models";
import { parseMoney } from "../../core/money";
import { handler } from "../../functions/sync-catalog";
import { createTestDeps, type TestDeps } from "../support/db";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

const snapshotText = readFileSync(new URL("../../data/models-dev-snapshot.json", import.meta.url), "utf8");

const scheduledEvent = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-07-03T04:00:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/billing-dev-SyncCatalog"],
  detail: {},
};

describe("functions/sync-catalog handler", () => {
  let deps: TestDeps;
  let server: Server;
  let url: string;
  const served: { status: number; body: string; headers?: Record<string, string>; chunked?: boolean } = {
    status: 200,
    body: snapshotText,
  };
  const logged: string[] = [];

  beforeAll(async () => {
    deps = await createTestDeps();
    server = createServer((_request, response) => {
      if (served.chunked) {
        // No Content-Length: the body arrives in pieces until the client stops reading.
        response.writeHead(served.status, { "content-type": "application/json", ...served.headers });
        const piece = "x".repeat(1024 * 1024);
        let sent = 0;
        const more = () => {
          while (sent < 12 && response.write(piece)) sent++;
          if (sent >= 12) response.end();
          else response.once("drain", more);
        };
        response.on("error", () => {});
        more();
        return;
      }
      response.writeHead(served.status, { "content-type": "application/json", ...served.headers });
      response.end(served.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.json`;
    Object.assign(process.env, {
      BILLING_CATALOG_URL: url,
      BILLING_TABLE: deps.db.table,
      DYNAMODB_ENDPOINT: dynamoEndpoint(),
      BILLING_API_KEY: "test-api-key",
      // Plain http to this machine is allowed only with the test clock (the deployed sync has none).
      BILLING_CLOCK: "test",
    });
    vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line));
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The handler's summary lines (the metric lines are checked by `metrics`). */
  const summaries = () => logged.map((line) => JSON.parse(line)).filter((entry) => entry.event === "catalog-sync");
  const lastLog = () => summaries().at(-1) as Record<string, unknown>;
  const metrics = () =>
    logged
      .map((line) => JSON.parse(line))
      .filter((entry) => entry._aws)
      .map((entry) => entry.CatalogSyncAnomalies as number);
  const expectedHeader = () => ({
    event: "catalog-sync",
    source: url,
    trigger: scheduledEvent.id,
    scheduledAt: scheduledEvent.time,
  });

  it("imports the downloaded catalog into an empty store and logs one JSON summary line", async () => {
    const result = await handler(scheduledEvent);
    const expected = {
      ...expectedHeader(),
      status: "imported",
      added: 315,
      changed: 0,
      unchanged: 0,
      skipped: 0,
      held: [],
      pinned: 0,
    };
    expect(result).toEqual(expected);
    expect(summaries()).toEqual([expected]);
    // The metric, in CloudWatch's Embedded Metric Format, on every run.
    const metric = JSON.parse(logged.at(-1)!);
    expect(metric).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "AiBilling/Catalog",
            Dimensions: [["FunctionName"]],
            Metrics: [{ Name: "CatalogSyncAnomalies", Unit: "Count" }],
          },
        ],
      },
      FunctionName: "local",
      CatalogSyncAnomalies: 0,
    });
    expect(await listModels(deps.db)).toHaveLength(315);
  });

  it("updates only the model whose price changed", async () => {
    const feed = JSON.parse(snapshotText);
    feed.anthropic.models["claude-sonnet-4-6"].cost.output = 16.5;
    served.body = JSON.stringify(feed);
    const result = await handler(scheduledEvent);
    expect(result).toEqual({
      ...expectedHeader(),
      status: "imported",
      added: 0,
      changed: 1,
      unchanged: 314,
      skipped: 0,
      held: [],
      pinned: 0,
    });
    expect((await getModel(deps.db, "anthropic/claude-sonnet-4-6"))?.output).toBe(parseMoney("16.5"));
  });

  it("changes nothing and logs why when the download is truncated, without failing the invocation", async () => {
    const before = await listModels(deps.db);
    served.body = snapshotText.slice(0, snapshotText.length / 2);
    const result = await handler(scheduledEvent);
    expect(result).toEqual({
      ...expectedHeader(),
      status: "rejected",
      reason: "catalog feed rejected: not valid JSON",
    });
    expect(lastLog()).toEqual(result);
    served.body = JSON.stringify({ openai: JSON.parse(snapshotText).openai });
    expect(await handler(scheduledEvent)).toEqual({
      ...expectedHeader(),
      status: "rejected",
      reason: "catalog feed rejected: only 1 providers, 13 stored: looks partial",
    });
    expect(await listModels(deps.db)).toEqual(before);
  });

  it("throws on a failed download so Lambda retries and alarms", async () => {
    served.status = 503;
    served.body = "Service Unavailable";
    await expect(handler(scheduledEvent)).rejects.toThrow(`catalog download failed: HTTP 503 from ${url}`);
    served.status = 200;
  });

  const feedWith = (edit: (feed: any) => void) => {
    const feed = JSON.parse(snapshotText);
    feed.anthropic.models["claude-sonnet-4-6"].cost.output = 16.5; // as stored by the test above
    edit(feed);
    return JSON.stringify(feed);
  };

  it("holds zero prices, a zero tier, moves over 2x and absurd magnitudes, keeping the last good prices", async () => {
    const before = await listModels(deps.db);
    const gpt4o = before.find((m) => m.id === "openai/gpt-4o")!;
    served.body = feedWith((feed) => {
      feed.openai.models["gpt-4o"].cost.input = 0; // was 2.50
      feed.openai.models["gpt-4o-mini"].cost.output = 1.3; // was 0.60: 2.17x
      feed.anthropic.models["claude-haiku-4-5"].cost.tiers = [{ tier: { size: 200000 }, input: 0, output: 0 }];
      feed.google.models["gemini-2.5-pro"].cost.output = 50000; // $50,000 per 1M tokens
      feed.google.models["gemini-2.5-flash"].cost.output = 1e20; // 10^20: not even a price (skipped)
      feed.mistral.models["acme-free"] = { name: "Free", cost: { input: 0, output: 0 } }; // new and free: fine
      feed.deepseek.models["deepseek-chat"].cost.input =
        (Number(before.find((m) => m.id === "deepseek/deepseek-chat")!.input) / 1e12) * 1.9;
    });
    logged.length = 0;
    const result = await handler(scheduledEvent);
    expect(result).toEqual({
      ...expectedHeader(),
      status: "imported",
      added: 1,
      changed: 1,
      unchanged: 309,
      skipped: 1,
      held: [
        {
          id: "anthropic/claude-haiku-4-5",
          reason: "new tier above 200000 tokens: input price is zero",
        },
        {
          id: "google/gemini-2.5-pro",
          reason: "output price $50000.00 per 1M tokens is above $5000.00",
        },
        {
          id: "openai/gpt-4o",
          reason: "input price $2.50 -> $0.00 per 1M tokens: becomes zero",
        },
        {
          id: "openai/gpt-4o-mini",
          reason: "output price $0.60 -> $1.30 per 1M tokens: changes more than 2x",
        },
      ],
      pinned: 0,
    });
    expect(lastLog()).toEqual(result);
    expect(metrics()).toEqual([4]);
    expect(await getModel(deps.db, "openai/gpt-4o")).toEqual(gpt4o);
    for (const id of [
      "openai/gpt-4o-mini",
      "anthropic/claude-haiku-4-5",
      "google/gemini-2.5-pro",
      "google/gemini-2.5-flash",
    ])
      expect(await getModel(deps.db, id), id).toEqual(before.find((m) => m.id === id));
    expect((await getModel(deps.db, "mistral/acme-free"))?.input).toBe(0n);
  });

  it("refuses the whole feed when more than 10 models look wrong", async () => {
    const before = await listModels(deps.db);
    served.body = feedWith((feed) => {
      for (const id of Object.keys(feed.openai.models).slice(0, 11)) feed.openai.models[id].cost.input = 0;
    });
    logged.length = 0;
    const result = await handler(scheduledEvent);
    expect(result).toMatchObject({ ...expectedHeader(), status: "rejected" });
    expect((result as { reason?: string }).reason).toMatch(
      /^catalog feed rejected: 11 models with suspicious prices \(more than 10\)/,
    );
    expect(metrics()).toEqual([1]);
    expect(await listModels(deps.db)).toEqual(before);
  });

  it("keeps an operator's upsertAiModel price for a listed model (pinned) through the sync", async () => {
    await upsertAiModel(deps, { id: "openai/gpt-4.1", inputPrice: parseMoney("1.5"), outputPrice: parseMoney("6") });
    served.body = feedWith((feed) => {
      feed.openai.models["gpt-4.1"].cost.input = 2.2;
    });
    const result = await handler(scheduledEvent);
    expect(result).toMatchObject({ status: "imported", pinned: 1, held: [] });
    expect(await getModel(deps.db, "openai/gpt-4.1")).toMatchObject({
      input: parseMoney("1.5"),
      output: parseMoney("6"),
      pinned: true,
    });
  });

  it("refuses redirects, plain http outside tests, and oversized downloads, writing nothing", async () => {
    const before = await listModels(deps.db);
    served.status = 302;
    served.headers = { location: "https://evil.example.com/api.json" };
    await expect(handler(scheduledEvent)).rejects.toThrow(`catalog download refused: redirect (HTTP 302) from ${url}`);
    served.status = 200;
    served.headers = { "content-length": String(11 * 1024 * 1024) };
    served.body = "x".repeat(11 * 1024 * 1024);
    await expect(handler(scheduledEvent)).rejects.toThrow(/catalog download refused: more than 10485760 bytes/);
    served.headers = undefined;
    served.chunked = true;
    await expect(handler(scheduledEvent)).rejects.toThrow(/catalog download refused: more than 10485760 bytes/);
    served.chunked = false;
    served.body = snapshotText;
    process.env.BILLING_CLOCK = "real";
    try {
      await expect(handler(scheduledEvent)).rejects.toThrow(`catalog download refused: http:// is not https (${url})`);
    } finally {
      process.env.BILLING_CLOCK = "test";
    }
    expect(await listModels(deps.db)).toEqual(before);
  });
});
