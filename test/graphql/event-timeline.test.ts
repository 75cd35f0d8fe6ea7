/**
 * customer.events over HTTP: newest recorded first, paged with cursors, across single tracks and
 * batches. A batch transaction lists its events through one page item (core/db/events.ts), so
 * these tests page through batches from every position, and check that a batch of 100 events adds
 * two entries to the timeline index, not 100.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { keys, TABLE } from "../../core/db/keys";
import type { TestApi } from "../support/server";
import type { TrackInput, Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    clockStart: "2026-03-01T00:00:00.000Z",
    features: { api_calls: "METERED" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "api_calls", included: "1000", overagePrice: "0.01" }],
      },
    },
  }));
});
afterAll(() => api?.close());

type Edge = { cursor: string; node: { idempotencyKey: string; value: string; timestamp: string } };
type Page = { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const page = async (customerId: string, first: number, after?: string | null): Promise<Page> =>
  (
    await api.ok(
      `query($c: ID!, $n: Int, $a: String) { customer(id: $c) { events(first: $n, after: $a) { edges { cursor node { idempotencyKey value timestamp } } pageInfo { hasNextPage endCursor } } } }`,
      { c: customerId, n: first, a: after },
    )
  ).customer.events;

/** Every key of the customer's timeline, `first` at a time, following endCursor. */
async function allKeys(customerId: string, first: number): Promise<{ keys: string[]; pages: number }> {
  const seen: string[] = [];
  let pages = 0;
  for (let after: string | null = null; ; ) {
    const p = await page(customerId, first, after);
    pages++;
    seen.push(...p.edges.map((e) => e.node.idempotencyKey));
    expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor ?? null);
    if (!p.pageInfo.hasNextPage) return { keys: seen, pages };
    after = p.pageInfo.endCursor;
  }
}

const at = (minute: number) => `2026-03-01T00:${String(minute).padStart(2, "0")}:00.000Z`;
const ev = (customerId: string, key: string, value = "1"): TrackInput => ({
  customerId,
  feature: "api_calls",
  idempotencyKey: key,
  value,
});
const range = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);

async function batch(inputs: TrackInput[]) {
  const response = await f.trackBatch(inputs);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.data.trackUsageBatch.map((r: { ok: boolean }) => r.ok)).toEqual(inputs.map(() => true));
}

/** The customer's entries in the timeline index itself (what the listing reads). */
async function timelineEntries(customerId: string): Promise<number> {
  const out = await api.deps.db.doc.send(
    new QueryCommand({
      TableName: api.deps.db.table,
      IndexName: TABLE.timelineIndex.name,
      KeyConditionExpression: `${TABLE.timelineIndex.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": keys.eventTimelinePartition(customerId) },
      Select: "COUNT",
    }),
  );
  return out.Count ?? 0;
}

describe("a customer's events", () => {
  it("given singles, a batch of 100 and more singles, then they list newest recorded first, a batch in reverse order, at every page size", async () => {
    await f.customerOn("mixed", "metered");
    await f.advanceClock(at(1));
    for (const key of ["s-1", "s-2"]) await f.track(ev("mixed", key));
    await f.advanceClock(at(2));
    const batched = range("b", 100);
    await batch(batched.map((k) => ev("mixed", k)));
    await f.advanceClock(at(3));
    await f.track(ev("mixed", "s-3"));

    // Two singles at one record time list by key, newest (greater) first.
    const expected = ["s-3", ...[...batched].reverse(), "s-2", "s-1"];
    for (const first of [1, 7, 49, 50, 51, 100]) {
      const { keys: listed, pages } = await allKeys("mixed", first);
      expect(listed, `first: ${first}`).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / first));
    }
  });

  it("given a batch of 100 events, then it adds 2 entries to the timeline index (one per transaction), and a single event adds 1", async () => {
    await f.customerOn("pages", "metered");
    await batch(range("p", 100).map((k) => ev("pages", k)));
    expect(await timelineEntries("pages")).toBe(2);
    await f.track(ev("pages", "one"));
    expect(await timelineEntries("pages")).toBe(3);
    expect((await allKeys("pages", 100)).keys).toHaveLength(101);
  });

  it("given a cursor in the middle of a batch, when newer events arrive, then the next page continues exactly where it stopped", async () => {
    await f.customerOn("resume", "metered");
    await f.advanceClock(at(10));
    await batch(range("r", 10).map((k) => ev("resume", k)));
    const first = await page("resume", 4);
    expect(first.edges.map((e) => e.node.idempotencyKey)).toEqual(["r-009", "r-008", "r-007", "r-006"]);
    await f.advanceClock(at(11));
    await batch(range("newer", 3).map((k) => ev("resume", k)));
    const next = await page("resume", 4, first.pageInfo.endCursor);
    expect(next.edges.map((e) => e.node.idempotencyKey)).toEqual(["r-005", "r-004", "r-003", "r-002"]);
    expect(next.pageInfo.hasNextPage).toBe(true);
    // A made-up position is refused, not read past the page.
    const inside = JSON.parse(Buffer.from(next.pageInfo.endCursor!, "base64url").toString("utf8"));
    expect(inside).toEqual(["resume", expect.any(String), 2]);
    const forged = Buffer.from(JSON.stringify([...inside.slice(0, 2), 9999]), "utf8").toString("base64url");
    const refused = await api.gql(
      `query($a: String) { customer(id: "resume") { events(first: 4, after: $a) { edges { cursor } } } }`,
      { a: forged },
    );
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    const last = await page("resume", 4, next.pageInfo.endCursor);
    expect(last).toEqual({
      edges: [
        expect.objectContaining({ node: expect.objectContaining({ idempotencyKey: "r-001" }) }),
        expect.objectContaining({ node: expect.objectContaining({ idempotencyKey: "r-000" }) }),
      ],
      pageInfo: { hasNextPage: false, endCursor: last.edges[1]!.cursor },
    });
  });

  it("given a backfilled event, then it lists where it was recorded and shows its own timestamp", async () => {
    await f.advanceClock(at(30));
    await f.customerOn("backfill", "metered");
    await f.advanceClock(at(40));
    expect((await f.track(ev("backfill", "z-first"))).errors).toBeUndefined();
    await f.advanceClock(at(41));
    expect((await f.track({ ...ev("backfill", "a-backfilled"), timestamp: at(35) })).errors).toBeUndefined();
    expect((await page("backfill", 10)).edges.map((e) => [e.node.idempotencyKey, e.node.timestamp])).toEqual([
      ["a-backfilled", at(35)],
      ["z-first", at(40)],
    ]);
  });

  it("given events recorded while the test clock stands still, then they list in the order they were recorded, not by key", async () => {
    await f.customerOn("still", "metered");
    await f.advanceClock(at(50));
    for (const key of ["zebra", "apple", "mango"]) await f.track(ev("still", key));
    await batch(["yak", "bee"].map((k) => ev("still", k)));
    for (const key of ["kiwi", "fig"]) await f.track(ev("still", key));
    const expected = ["fig", "kiwi", "bee", "yak", "mango", "apple", "zebra"];
    for (const first of [1, 2, 3, 100])
      expect((await allKeys("still", first)).keys, `first: ${first}`).toEqual(expected);
  });

  it("given another customer's cursor, then the list refuses it with BAD_USER_INPUT, whether it points at a single event or into a batch", async () => {
    await f.customerOn("owner", "metered");
    await f.customerOn("other", "metered");
    await f.track(ev("owner", "o-1"));
    await batch(range("o-b", 3).map((k) => ev("owner", k)));
    await f.track(ev("other", "x-1"));
    const cursors = (await page("owner", 10)).edges.map((e) => e.cursor);
    expect(cursors).toHaveLength(4);
    for (const cursor of cursors) {
      const response = await api.gql(
        `query($a: String) { customer(id: "other") { events(first: 10, after: $a) { edges { cursor } } } }`,
        { a: cursor },
      );
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors?.[0]?.message).toBe("after is not a cursor from this customer's list");
      expect((await page("owner", 10, cursor)).edges.length).toBeLessThan(4);
    }
  });

  it("given a batch retried whole, then every event is listed once and the timeline gains nothing", async () => {
    await f.customerOn("retry", "metered");
    const inputs = range("t", 30).map((k) => ev("retry", k, "2"));
    await batch(inputs);
    const before = await timelineEntries("retry");
    const replay = await f.trackBatch(inputs);
    expect(replay.data.trackUsageBatch.map((r: { payload: { replayed: boolean } }) => r.payload.replayed)).toEqual(
      inputs.map(() => true),
    );
    expect(await timelineEntries("retry")).toBe(before);
    const listed = await page("retry", 100);
    expect(listed.edges.map((e) => [e.node.idempotencyKey, e.node.value])).toEqual(
      [...inputs].reverse().map((i) => [i.idempotencyKey, "2"]),
    );
  });
});
