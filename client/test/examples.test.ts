/**
 * The scripts in examples/ run as documented (`npm run example examples/<name>.ts`) against a
 * server seeded like `npm start` (demo data and the model catalog), and print what they promise.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadSnapshotIfEmpty } from "../../core/catalog/import";
import { seedIfEmpty } from "../../scripts/seed";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
  await seedIfEmpty(api.deps);
  await loadSnapshotIfEmpty(api.deps);
});
afterAll(() => api?.close());

async function example(name: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ["--conditions=@ai-billing/source", "--import", "tsx", `examples/${name}.ts`],
    { cwd: root, env: { ...process.env, BILLING_URL: api.url, BILLING_API_KEY: TEST_KEY } },
  );
  return stdout.trim().split("\n");
}

it("track.ts records one event and a batch of 250", async () => {
  expect(await example("track")).toEqual([
    "tracked: cost 0.0043, balance left 99.9957, replayed false",
    "batch: 250 recorded, 0 refused",
  ]);
});

it("check.ts checks, tracks, and shows a refusal's code", async () => {
  const lines = await example("check");
  expect(lines[0]).toBe("allowed: balance 98.9207");
  expect(lines[1]).toMatch(/^refused: FEATURE_NOT_IN_PLAN \(request [0-9a-f-]{36}\)$/);
});

it("ai-sdk.ts bills a generate and a stream of the mock model through the catalog", async () => {
  expect(await example("ai-sdk")).toEqual([
    "generated: Hello from the mock model.",
    "Streamed hello.",
    "ai_chat this period: 3700 tokens, 0.025032 spent; balance 98.852668",
  ]);
});

it("browser.ts reads with a customer token", async () => {
  expect(await example("browser")).toEqual([
    "token valid until 2026-01-01T00:15:00.000Z; balance 98.852668; 3 plans on offer",
  ]);
});
