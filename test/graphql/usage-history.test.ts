/**
 * Usage history and the filtered event list over HTTP (issue 19): a customer's usage per feature
 * for past periods (summed from the events by the stream aggregator), and `customer.events`
 * filtered by feature and by when the usage happened, paged through exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, fixtures, type Fixtures } from "../support/fixtures";
import { rollupPoller } from "../support/rollups";
import { startTestApi, type TestApi } from "../support/server";
import type { StreamPoller } from "../../tools/dynamodb-local/stream-poller";

let api: TestApi;
let f: Fixtures;
let poller: StreamPoller;

const HISTORY = `query($p: Int) { customer(id: "acme") { usageHistory(periods: $p) {
  periodStart features { feature events used cost credits } } } }`;
const EVENTS = `query($f: ID, $from: DateTime, $to: DateTime, $n: Int, $a: String) { customer(id: "acme") {
  events(feature: $f, from: $from, to: $to, first: $n, after: $a) {
    edges { node { idempotencyKey feature timestamp } } pageInfo { hasNextPage endCursor } } } }`;

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  poller = rollupPoller(api.deps.db);
  await f.features({ calls: "METERED", images: "METERED" });
  await f.plan({
    code: "daily",
    model: "METERED",
    interval: "DAY",
    basePrice: "1",
    features: [
      { feature: "calls", included: "10", overagePrice: "0.01" },
      { feature: "images", included: "2", overagePrice: "0.5" },
    ],
  });
  await f.customerOn("acme", "daily");
  // Day 1: 3 calls (one batch of 2), 1 image; day 2: 5 calls; day 3: 2 images.
  await f.track({ customerId: "acme", feature: "calls", idempotencyKey: "d1-c1", value: "1" });
  await f.trackBatch([
    { customerId: "acme", feature: "calls", idempotencyKey: "d1-c2", value: "1.5" },
    { customerId: "acme", feature: "images", idempotencyKey: "d1-i1" },
  ]);
  await f.track({ customerId: "acme", feature: "calls", idempotencyKey: "d1-c3", value: "0.5" });
  await f.advanceClock("2026-01-02T06:00:00Z");
  await f.track({ customerId: "acme", feature: "calls", idempotencyKey: "d2-c1", value: "5" });
  await f.advanceClock("2026-01-03T06:00:00Z");
  await f.trackBatch([
    { customerId: "acme", feature: "images", idempotencyKey: "d3-i1" },
    { customerId: "acme", feature: "images", idempotencyKey: "d3-i2" },
  ]);
  await poller.drain();
});
afterAll(async () => {
  poller?.stop();
  await api?.close();
});

describe("usage history", () => {
  it("sums each period's events per feature, newest period first", async () => {
    const { customer } = await api.ok(HISTORY, { p: 12 });
    expect(customer.usageHistory).toEqual([
      {
        periodStart: "2026-01-03T00:00:00.000Z",
        features: [{ feature: "images", events: "2", used: "2", cost: "0.00", credits: "0" }],
      },
      {
        periodStart: "2026-01-02T00:00:00.000Z",
        features: [{ feature: "calls", events: "1", used: "5", cost: "0.00", credits: "0" }],
      },
      {
        periodStart: "2026-01-01T00:00:00.000Z",
        features: [
          { feature: "calls", events: "3", used: "3", cost: "0.00", credits: "0" },
          { feature: "images", events: "1", used: "1", cost: "0.00", credits: "0" },
        ],
      },
    ]);
    const two = (await api.ok(HISTORY, { p: 2 })).customer.usageHistory;
    expect(two.map((p: { periodStart: string }) => p.periodStart)).toEqual([
      "2026-01-03T00:00:00.000Z",
      "2026-01-02T00:00:00.000Z",
    ]);
    expectError(await api.gql(HISTORY, { p: 0 }), "BAD_USER_INPUT");
  });
});

describe("customer.events filtered", () => {
  const keysOf = (data: any) => data.customer.events.edges.map((e: any) => e.node.idempotencyKey);

  it("keeps one feature's events, batch members included, newest recorded first", async () => {
    expect(keysOf(await api.ok(EVENTS, { f: "images" }))).toEqual(["d3-i2", "d3-i1", "d1-i1"]);
    expect(keysOf(await api.ok(EVENTS, { f: "calls" }))).toEqual(["d2-c1", "d1-c3", "d1-c2", "d1-c1"]);
  });

  it("keeps the usage that happened in [from, to)", async () => {
    const day2 = await api.ok(EVENTS, { from: "2026-01-02T00:00:00Z", to: "2026-01-03T00:00:00Z" });
    expect(keysOf(day2)).toEqual(["d2-c1"]);
    expect(keysOf(await api.ok(EVENTS, { f: "calls", to: "2026-01-02T00:00:00Z" }))).toEqual([
      "d1-c3",
      "d1-c2",
      "d1-c1",
    ]);
    expectError(await api.gql(EVENTS, { from: "2026-01-03T00:00:00Z", to: "2026-01-02T00:00:00Z" }), "BAD_USER_INPUT");
  });

  it("pages through a filtered list exactly once", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const data = await api.ok(EVENTS, { f: "calls", n: 1, a: after });
      seen.push(...keysOf(data));
      after = data.customer.events.pageInfo.hasNextPage ? data.customer.events.pageInfo.endCursor : undefined;
    } while (after);
    expect(seen).toEqual(["d2-c1", "d1-c3", "d1-c2", "d1-c1"]);
  });
});
