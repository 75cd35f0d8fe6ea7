import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { getModel, listModels } from "../../core/db/ai-models";
import { parseMoney } from "../../core/money";
import { handler } from "../../functions/sync-catalog";
import { createTestDeps, type TestDeps } from "../support/db";

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
  const served = { status: 200, body: snapshotText };
  const logged: string[] = [];

  beforeAll(async () => {
    deps = await createTestDeps();
    server = createServer((_request, response) => {
      response.writeHead(served.status, { "content-type": "application/json" });
      response.end(served.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.json`;
    Object.assign(process.env, {
      BILLING_CATALOG_URL: url,
      BILLING_TABLE: deps.db.table,
      DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
      BILLING_API_KEY: "test-api-key",
    });
    vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line));
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await new Promise((resolve) => server.close(resolve));
  });

  const lastLog = () => JSON.parse(logged.at(-1)!) as Record<string, unknown>;
  const expectedHeader = () => ({
    event: "catalog-sync",
    source: url,
    trigger: scheduledEvent.id,
    scheduledAt: scheduledEvent.time,
  });

  it("imports the downloaded catalog into an empty store and logs one JSON summary line", async () => {
    const result = await handler(scheduledEvent);
    const expected = { ...expectedHeader(), status: "imported", added: 315, changed: 0, unchanged: 0, skipped: 0 };
    expect(result).toEqual(expected);
    expect(logged).toHaveLength(1);
    expect(lastLog()).toEqual(expected);
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
});
