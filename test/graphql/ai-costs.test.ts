/**
 * `aiCostReport` over HTTP (issue 19): after 1,000 mixed AI events across three models, ten
 * customers, two features, several days and a reprice of a model halfway, every grouping's rows
 * and total equal the sums of the events they cover, to the 10^-12; the stream aggregator applies
 * each event once however often the stream delivers it; bad ranges are BAD_USER_INPUT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDecimal, parseAmount, SCALE } from "../../core/money";

const parseDecimal = (text: string) => parseAmount(text, 12);
import { aggregate } from "../../core/ai-costs/aggregate";
import { streamPoller } from "../../tools/dynamodb-local/stream-poller";
import { expectError, fixtures, type Fixtures } from "../support/fixtures";
import { rollupPoller } from "../support/rollups";
import { startTestApi, type TestApi } from "../support/server";
import type { StreamPoller } from "../../tools/dynamodb-local/stream-poller";

let api: TestApi;
let f: Fixtures;
let poller: StreamPoller;

const CUSTOMERS = Array.from({ length: 10 }, (_, i) => `cust-${i}`);
const MODELS = ["lab/alpha", "lab/beta", "other/gamma"];
const FEATURES = ["chat", "code"];
const REPORT = `query($from: DateTime!, $to: DateTime!, $g: AiCostGroup) {
  aiCostReport(from: $from, to: $to, groupBy: $g) {
    groupBy rows { ${row()} } total { ${row()} }
  }
}`;
function row() {
  return "key calls inputTokens outputTokens cacheReadTokens cacheWriteTokens providerCost billed margin";
}

type Sums = Record<string, bigint>;
type Event = {
  customerId: string;
  feature: string;
  resolvedModel: string;
  timestamp: string;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  cost: string;
  providerCost: string;
};
const events: Event[] = [];

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  poller = rollupPoller(api.deps.db);
  for (const feature of FEATURES) await f.feature(feature);
  await api.ok(`mutation {
    a: upsertAiModel(id: "lab/alpha", inputPrice: "3", outputPrice: "15", cacheReadPrice: "0.3", cacheWritePrice: "3.75") { id }
    b: upsertAiModel(id: "lab/beta", inputPrice: "0.8", outputPrice: "4") { id }
    c: upsertAiModel(id: "other/gamma", inputPrice: "1.25", outputPrice: "10", cacheReadPrice: "0.125") { id }
  }`);
  await f.plan({
    code: "ai40",
    model: "BALANCE",
    basePrice: "100",
    features: FEATURES.map((feature) => ({ feature, pricing: "AI_MODEL", marginBps: 4000 })),
  });
  await f.plan({
    code: "ai25",
    model: "BALANCE",
    basePrice: "50",
    features: FEATURES.map((feature) => ({ feature, pricing: "AI_MODEL", marginBps: 2537 })),
  });
  for (const [i, id] of CUSTOMERS.entries()) await f.customerOn(id, i % 3 ? "ai40" : "ai25");

  // 1,000 events in 10 batches of 100, a day apart, with a reprice of lab/alpha after the fifth.
  let n = 0;
  for (let batch = 0; batch < 10; batch++) {
    await f.advanceClock(`2026-01-${String(batch + 2).padStart(2, "0")}T${String(batch).padStart(2, "0")}:30:00Z`);
    if (batch === 5)
      await api.ok(`mutation { upsertAiModel(id: "lab/alpha", inputPrice: "2.5", outputPrice: "12.5") { id } }`);
    const inputs = Array.from({ length: 100 }, () => {
      const i = n++;
      return {
        customerId: CUSTOMERS[i % 10]!,
        feature: FEATURES[i % 2]!,
        idempotencyKey: `e-${i}`,
        model: MODELS[(i * 7) % 3]!,
        inputTokens: 100 + ((i * 37) % 5000),
        outputTokens: (i * 13) % 2000,
        ...(i % 4 === 0 ? { cacheReadTokens: (i * 11) % 3000 } : {}),
        ...(i % 5 === 0 ? { cacheWriteTokens: (i * 3) % 700 } : {}),
      };
    });
    const results = (await f.trackBatch(inputs)).data.trackUsageBatch;
    expect(results.filter((r: { ok: boolean }) => !r.ok)).toEqual([]);
  }
  expect(await poller.drain()).toBeGreaterThanOrEqual(1_000);

  for (const id of CUSTOMERS) {
    let after: string | undefined;
    do {
      const { customer } = await api.ok(
        `query($c: ID!, $a: String) { customer(id: $c) { events(first: 100, after: $a) {
          edges { node { customerId feature resolvedModel timestamp inputTokens outputTokens cacheReadTokens cacheWriteTokens cost providerCost } }
          pageInfo { hasNextPage endCursor } } } }`,
        { c: id, a: after },
      );
      events.push(...customer.events.edges.map((e: { node: Event }) => e.node));
      after = customer.events.pageInfo.hasNextPage ? customer.events.pageInfo.endCursor : undefined;
    } while (after);
  }
  expect(events.length).toBe(1_000);
}, 300_000);
afterAll(async () => {
  poller?.stop();
  await api?.close();
});

/** The report's rows as the events say they should be: exact sums per key. */
function expected(keyOf: (e: Event) => string, range: [string, string] = ["2026-01-01", "2026-02-01"]) {
  const rows = new Map<string, Sums>();
  const add = (key: string, e: Event) => {
    const sums = rows.get(key) ?? {
      calls: 0n,
      inputTokens: 0n,
      outputTokens: 0n,
      cacheReadTokens: 0n,
      cacheWriteTokens: 0n,
      providerCost: 0n,
      billed: 0n,
    };
    sums.calls! += 1n;
    sums.inputTokens! += BigInt(e.inputTokens ?? 0);
    sums.outputTokens! += BigInt(e.outputTokens ?? 0);
    sums.cacheReadTokens! += BigInt(e.cacheReadTokens ?? 0);
    sums.cacheWriteTokens! += BigInt(e.cacheWriteTokens ?? 0);
    sums.providerCost! += parseDecimal(e.providerCost);
    sums.billed! += parseDecimal(e.cost);
    rows.set(key, sums);
  };
  for (const e of events) if (e.timestamp >= range[0] && e.timestamp < range[1]) add(keyOf(e), e);
  const text = (key: string, s: Sums) => ({
    key,
    calls: formatDecimal(s.calls! * SCALE),
    inputTokens: formatDecimal(s.inputTokens! * SCALE),
    outputTokens: formatDecimal(s.outputTokens! * SCALE),
    cacheReadTokens: formatDecimal(s.cacheReadTokens! * SCALE),
    cacheWriteTokens: formatDecimal(s.cacheWriteTokens! * SCALE),
    providerCost: s.providerCost!,
    billed: s.billed!,
    margin: s.billed! - s.providerCost!,
  });
  return [...rows].map(([key, s]) => text(key, s));
}

/** The report's rows with money as bigints, so they compare exactly with the expected sums. */
const exact = (rows: any[]) =>
  rows.map((r) => ({
    ...r,
    providerCost: parseDecimal(r.providerCost),
    billed: parseDecimal(r.billed),
    margin: parseDecimal(r.margin),
  }));

const report = async (groupBy: string, from = "2026-01-01T00:00:00Z", to = "2026-02-01T00:00:00Z") =>
  (await api.ok(REPORT, { from, to, g: groupBy })).aiCostReport;

describe("aiCostReport after 1,000 AI events", () => {
  it("equals the events' sums by model, customer, feature and day, to the 10^-12", async () => {
    const groupings: [string, (e: Event) => string][] = [
      ["MODEL", (e) => e.resolvedModel],
      ["CUSTOMER", (e) => e.customerId],
      ["FEATURE", (e) => e.feature],
      ["DAY", (e) => e.timestamp.slice(0, 10)],
    ];
    for (const [groupBy, keyOf] of groupings) {
      const { rows, total } = await report(groupBy);
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      expect(exact(rows).sort(byKey), groupBy).toEqual(expected(keyOf).sort(byKey));
      expect(exact([total])[0], groupBy).toEqual(expected(() => "TOTAL")[0]);
    }
    // The models are all there, and the reprice shows: lab/alpha's events were priced two ways.
    expect((await report("MODEL")).rows.map((r: { key: string }) => r.key).sort()).toEqual(MODELS);
  });

  it("orders rows by billed, highest first (by day for DAY), with margin = billed - provider cost", async () => {
    const { rows } = await report("CUSTOMER");
    const billed = exact(rows).map((r) => r.billed);
    expect([...billed].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(billed);
    for (const r of exact(rows)) expect(r.margin).toBe(r.billed - r.providerCost);
    const days = (await report("DAY")).rows.map((r: { key: string }) => r.key);
    expect(days).toEqual([...days].sort());
    expect(days.length).toBe(10);
  });

  it("covers partial months from day cells: [Jan 3, Jan 6) is exactly those days' events", async () => {
    const range: [string, string] = ["2026-01-03", "2026-01-06"];
    const { rows, total } = await report("MODEL", "2026-01-03T00:00:00Z", "2026-01-06T00:00:00Z");
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect(exact(rows).sort(byKey)).toEqual(expected((e) => e.resolvedModel, range).sort(byKey));
    expect(exact([total])[0]!.calls).toBe("300");
    const days = await report("DAY", "2026-01-03T00:00:00Z", "2026-01-06T00:00:00Z");
    expect(days.rows.map((r: { key: string }) => r.key)).toEqual(["2026-01-03", "2026-01-04", "2026-01-05"]);
  });

  it("pages by customer: first / after in key order, every row exact, the range's total on each page", async () => {
    const PAGE = `query($from: DateTime!, $to: DateTime!, $g: AiCostGroup, $first: Int, $after: String) {
      aiCostReport(from: $from, to: $to, groupBy: $g, first: $first, after: $after) {
        rows { ${row()} } total { ${row()} } pageInfo { hasNextPage endCursor }
      }
    }`;
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const pages = async (range: [string, string], first: number) => {
      const seen: { keys: string[]; hasNextPage: boolean }[] = [];
      const rows: any[] = [];
      let after: string | null = null;
      do {
        const vars: Record<string, unknown> = {
          from: `${range[0]}T00:00:00Z`,
          to: `${range[1]}T00:00:00Z`,
          g: "CUSTOMER",
          first,
          after,
        };
        const page: any = (await api.ok(PAGE, vars)).aiCostReport;
        expect(exact([page.total])[0]).toEqual(expected(() => "TOTAL", range)[0]);
        seen.push({ keys: page.rows.map((r: { key: string }) => r.key), hasNextPage: page.pageInfo.hasNextPage });
        rows.push(...page.rows);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      return { seen, rows };
    };
    // A whole month (one partition of one cell per customer), 3 a page.
    const month = await pages(["2026-01-01", "2026-02-01"], 3);
    expect(month.seen).toEqual([
      { keys: ["cust-0", "cust-1", "cust-2"], hasNextPage: true },
      { keys: ["cust-3", "cust-4", "cust-5"], hasNextPage: true },
      { keys: ["cust-6", "cust-7", "cust-8"], hasNextPage: true },
      { keys: ["cust-9"], hasNextPage: false },
    ]);
    expect(exact(month.rows)).toEqual(expected((e) => e.customerId).sort(byKey));
    // Three days (three partitions merged: each row sums its customer's cells of every day), 4 a page.
    const range: [string, string] = ["2026-01-03", "2026-01-06"];
    const days = await pages(range, 4);
    expect(days.seen.map((p) => p.keys.length)).toEqual([4, 4, 2]);
    expect(exact(days.rows)).toEqual(expected((e) => e.customerId, range).sort(byKey));
    // Out of bounds, and cursors of nothing or of another grouping.
    const vars = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", g: "CUSTOMER" };
    for (const first of [0, 101]) expectError(await api.gql(PAGE, { ...vars, first }), "BAD_USER_INPUT");
    expectError(await api.gql(PAGE, { ...vars, first: 2, after: "nonsense" }), "BAD_USER_INPUT");
    const byModel: any = (await api.ok(PAGE, { ...vars, g: "MODEL", first: 1 })).aiCostReport;
    expect(byModel.rows.map((r: { key: string }) => r.key)).toEqual(["lab/alpha"]);
    expectError(await api.gql(PAGE, { ...vars, first: 2, after: byModel.pageInfo.endCursor }), "BAD_USER_INPUT");
    // Without first / after: the whole report, as before, with no next page.
    expect((await api.ok(PAGE, vars)).aiCostReport.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it("applies each event once when the stream delivers everything again", async () => {
    const before = await report("CUSTOMER");
    // A second reader from the stream's start: every record again, as a redelivery would.
    const again = streamPoller(api.deps.db, (records) => aggregate({ db: api.deps.db }, records));
    expect(await again.drain()).toBeGreaterThanOrEqual(1_000);
    again.stop();
    expect(await report("CUSTOMER")).toEqual(before);
  });

  it("refuses ranges that are not whole UTC days, empty or too long, and non-admin keys", async () => {
    expectError(await api.gql(REPORT, { from: "2026-01-01T05:00:00Z", to: "2026-02-01T00:00:00Z" }), "BAD_USER_INPUT");
    expectError(await api.gql(REPORT, { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }), "BAD_USER_INPUT");
    expectError(await api.gql(REPORT, { from: "2025-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z" }), "BAD_USER_INPUT");
    const { createApiKey } = await api.ok(`mutation { createApiKey(name: "ingest", scope: INGEST) { secret } }`);
    expectError(
      await api.gql(REPORT, { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }, { key: createApiKey.secret }),
      "FORBIDDEN",
    );
  });
});
