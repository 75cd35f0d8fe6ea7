/**
 * Lazy expiry follows the open holds, not every reservation ever made (issue 15): the wallet keeps
 * its open holds (`holds`: key -> expiry), so once its mark passes, the next check and the next
 * write read only the due reservations by key (no Query of the customer's reservations, which
 * keeps 400 days of settled ones), and the mark moves to the next open hold's expiry.
 * `Customer.reservations(status: HELD)` reads the open ones the same way. At most 1,000 open
 * holds per customer (the wallet item's size). A legacy wallet (a mark, no map) still lists.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import { keys } from "../../core/db/keys";
import { big, getItem } from "../../core/db/items";
import { holdStamp } from "../../core/db/wallets";
import { units } from "../../core/money";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { images: "METERED" },
    plans: {
      credits: { model: "CREDITS", includedCredits: "5000", features: [{ feature: "images", creditsPerUnit: "1" }] },
    },
  }));
});
afterAll(() => api?.close());

const reserve = (i: Record<string, unknown>) =>
  api.gql(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id status expiresAt } }`, { i });
const reserved = async (i: Record<string, unknown>) => {
  const r = await reserve(i);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.reserveUsage as { id: string; status: string; expiresAt: string };
};
const settle = async (id: string, value: string) => {
  const r = await api.gql(
    `mutation($id: ID!, $v: Decimal!) { settleReservation(id: $id, input: { value: $v }) { reservation { status } } }`,
    { id, v: value },
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
};
const listed = async (c: string, status = "HELD") =>
  (
    await api.ok(
      `query($c: ID!, $s: ReservationStatus) { customer(id: $c) { reservations(status: $s) { idempotencyKey status } } }`,
      { c, s: status },
    )
  ).customer.reservations;
const check = async (c: string) =>
  (await api.ok(`query($c: ID!) { entitlement(customerId: $c, feature: "images") { allowed credits } }`, { c }))
    .entitlement;
const walletItem = async (c: string) => (await getItem(api.deps.db, keys.wallet(c)))!;

type Sent = { command: string; input: Record<string, any> };
/** The DynamoDB requests the server sends while `run` runs. */
async function sent(run: () => Promise<unknown>): Promise<Sent[]> {
  const seen: Sent[] = [];
  api.deps.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push({ command: String(context.commandName), input: structuredClone(args.input) as Record<string, any> });
      return next(args);
    },
    { step: "initialize", name: "openHoldsSent", override: true },
  );
  try {
    await run();
  } finally {
    api.deps.db.raw.middlewareStack.remove("openHoldsSent");
  }
  return seen;
}
/** Queries of the customer's reservations (the listing the open holds replace). */
const reservationQueries = (seen: Sent[]) =>
  seen.filter((s) => s.command === "QueryCommand" && JSON.stringify(s.input).includes(keys.reservationPrefix()));
/** The reservation keys read by key (GetItem, BatchGetItem). */
const reservationsRead = (seen: Sent[]) =>
  seen
    .flatMap((s) =>
      s.command === "GetItemCommand"
        ? [s.input.Key]
        : s.command === "BatchGetItemCommand"
          ? Object.values(s.input.RequestItems as Record<string, { Keys: unknown[] }>).flatMap((r) => r.Keys)
          : [],
    )
    .filter((k: any) => String(k.sk).startsWith(keys.reservationPrefix()));

describe("lazy expiry reads the open holds only", () => {
  it("30 settled and 2 open: the check and the write after the mark read only the due reservation, no listing", async () => {
    await f.customerOn("busy", "credits");
    for (let i = 0; i < 30; i++) {
      const r = await reserved({ customerId: "busy", feature: "images", idempotencyKey: `s${i}`, value: "2" });
      await settle(r.id, "1");
    }
    await reserved({ customerId: "busy", feature: "images", idempotencyKey: "due", value: "7", ttlSeconds: 60 });
    const later = await reserved({
      customerId: "busy",
      feature: "images",
      idempotencyKey: "later",
      value: "3",
      ttlSeconds: 3600,
    });
    expect((await walletItem("busy")).holdsDueAt).toBe("2026-01-01T00:01:00.000Z");
    await f.advanceClock("2026-01-01T00:02:00.000Z");

    // The check shows the due hold given back (5000 - 30 used - 3 held), reading only it.
    let shown: unknown;
    const checking = await sent(async () => {
      shown = await check("busy");
    });
    expect(shown).toEqual({ allowed: true, credits: "4967" });
    expect(reservationQueries(checking)).toEqual([]);
    expect(reservationsRead(checking)).toEqual([keys.reservation("busy", "due")]);

    // The next write expires it for real, again reading only it; the mark moves to `later`.
    const writing = await sent(async () => {
      const t = await f.track({ customerId: "busy", feature: "images", idempotencyKey: "t1", value: "1" });
      expect(t.errors).toBeUndefined();
    });
    expect(reservationQueries(writing)).toEqual([]);
    expect(reservationsRead(writing)).toEqual([keys.reservation("busy", "due")]);
    const w = await walletItem("busy");
    expect(w.holds).toEqual({ later: holdStamp(later.expiresAt) });
    expect(w.holdsDueAt).toBe("2026-01-01T01:00:00.000Z");
    expect(big(w.heldCredits)).toBe(units(3));
    expect(await f.wallet("busy")).toMatchObject({ credits: "4966" });
    expect(await listed("busy", "EXPIRED")).toEqual([{ idempotencyKey: "due", status: "EXPIRED" }]);

    // Nothing is due now: a further write reads no reservation at all.
    const quiet = await sent(() =>
      f.track({ customerId: "busy", feature: "images", idempotencyKey: "t2", value: "1" }),
    );
    expect(reservationQueries(quiet)).toEqual([]);
    expect(reservationsRead(quiet)).toEqual([]);
  });

  it("Customer.reservations(HELD) answers exactly the open ones, read by key", async () => {
    let open: unknown;
    const listing = await sent(async () => {
      open = await listed("busy");
    });
    expect(open).toEqual([{ idempotencyKey: "later", status: "HELD" }]);
    expect(reservationQueries(listing)).toEqual([]);
    expect(reservationsRead(listing)).toEqual([keys.reservation("busy", "later")]);
    // Other statuses still list the partition.
    expect(await listed("busy", "SETTLED")).toHaveLength(30);
  });

  it("a release and a settle take their hold out of the open holds", async () => {
    await f.customerOn("both", "credits");
    const a = await reserved({ customerId: "both", feature: "images", idempotencyKey: "a", value: "2" });
    const b = await reserved({ customerId: "both", feature: "images", idempotencyKey: "b", value: "2" });
    await api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id: a.id });
    expect((await walletItem("both")).holds).toEqual({ b: holdStamp(b.expiresAt) });
    await settle(b.id, "1");
    expect((await walletItem("both")).holds).toEqual({});
    expect(await listed("both")).toEqual([]);
  });
});

describe("at most 1,000 open holds per customer", () => {
  /** Fills the wallet's open holds with `n` raw entries (reservations made elsewhere, as far as the cap is concerned). */
  const fill = (c: string, n: number, from = 0) =>
    api.deps.db.doc.send(
      new UpdateCommand({
        TableName: api.deps.db.table,
        Key: keys.wallet(c),
        UpdateExpression: "SET holds = :h",
        ExpressionAttributeValues: {
          ":h": Object.fromEntries(
            Array.from({ length: n }, (_, i) => [`filler-${from + i}`, "2026-01-01T05:00:00.000Z"]),
          ),
        },
      }),
    );

  it("the 1,001st reserve is LIMIT_REACHED and writes nothing; a settle makes room", async () => {
    await f.customerOn("full", "credits");
    await fill("full", 998);
    const last = await reserved({ customerId: "full", feature: "images", idempotencyKey: "r999", value: "1" });
    // One more entry behind this process's back: the write's condition refuses, not only the view.
    const before = await walletItem("full");
    await api.deps.db.doc.send(
      new UpdateCommand({
        TableName: api.deps.db.table,
        Key: keys.wallet("full"),
        UpdateExpression: "SET holds.#k = :at",
        ExpressionAttributeNames: { "#k": "filler-x" },
        ExpressionAttributeValues: { ":at": "2026-01-01T05:00:00.000Z" },
      }),
    );
    const refused = await reserve({ customerId: "full", feature: "images", idempotencyKey: "r1001", value: "1" });
    expectError(refused, "LIMIT_REACHED");
    expect(refused.errors![0]!.message).toBe(
      'customer "full" has 1000 open reservations, the most it may hold: settle or release some first',
    );
    expect(await getItem(api.deps.db, keys.reservation("full", "r1001"))).toBeUndefined();
    const after = await walletItem("full");
    expect(Object.keys(after.holds as object)).toHaveLength(1000);
    expect([big(after.version), big(after.heldCredits), big(after.credits)]).toEqual([
      big(before.version),
      units(1),
      big(before.credits),
    ]);

    await settle(last.id, "1");
    const again = await reserved({ customerId: "full", feature: "images", idempotencyKey: "r1001", value: "1" });
    expect(again.status).toBe("HELD");
  });
});

describe("a legacy wallet (holds made before the open-holds map)", () => {
  /** Reservations as made before the map: their hold is not an entry of it (no `walletHeld`). */
  const asLegacy = async (customerId: string, ...idempotencyKeys: string[]) => {
    for (const key of idempotencyKeys)
      await api.deps.db.doc.send(
        new UpdateCommand({
          TableName: api.deps.db.table,
          Key: keys.reservation(customerId, key),
          UpdateExpression: "REMOVE walletHeld",
        }),
      );
  };

  it("still expires its holds lazily, and releases and settles them", async () => {
    await f.customerOn("old", "credits");
    await reserved({ customerId: "old", feature: "images", idempotencyKey: "a", value: "4", ttlSeconds: 60 });
    const b = await reserved({
      customerId: "old",
      feature: "images",
      idempotencyKey: "b",
      value: "5",
      ttlSeconds: 3600,
    });
    const c = await reserved({
      customerId: "old",
      feature: "images",
      idempotencyKey: "c",
      value: "6",
      ttlSeconds: 3600,
    });
    // As written before the map existed: the mark, no `holds`, reservations not `walletHeld`.
    await api.deps.db.doc.send(
      new UpdateCommand({ TableName: api.deps.db.table, Key: keys.wallet("old"), UpdateExpression: "REMOVE holds" }),
    );
    await asLegacy("old", "a", "b", "c");
    const legacy = await walletItem("old");
    expect([legacy.holds, legacy.holdsDueAt]).toEqual([undefined, "2026-01-01T00:03:00.000Z"]);
    await f.advanceClock("2026-01-01T00:04:00.000Z");
    expect(await check("old")).toEqual({ allowed: true, credits: "4989" });
    const t = await f.track({ customerId: "old", feature: "images", idempotencyKey: "t", value: "1" });
    expect(t.errors).toBeUndefined();
    expect(await listed("old", "EXPIRED")).toEqual([{ idempotencyKey: "a", status: "EXPIRED" }]);
    expect(await listed("old")).toEqual([
      { idempotencyKey: "b", status: "HELD" },
      { idempotencyKey: "c", status: "HELD" },
    ]);
    expect((await walletItem("old")).holdsDueAt).toBe("2026-01-01T01:02:00.000Z");
    // Giving a legacy hold back removes no entry (there is no map to remove it from).
    expect(
      (await api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id: b.id })).releaseReservation,
    ).toEqual({ status: "RELEASED" });
    await settle(c.id, "2");
    const w = await walletItem("old");
    expect([w.holds, big(w.heldCredits)]).toEqual([undefined, 0n]);
    expect(await f.wallet("old")).toMatchObject({ credits: "4997" });
  });

  it("once a reserve creates the map, a legacy hold is not in it: the sweeper expires it", async () => {
    await f.customerOn("mixed", "credits");
    await reserved({ customerId: "mixed", feature: "images", idempotencyKey: "old", value: "4", ttlSeconds: 60 });
    await api.deps.db.doc.send(
      new UpdateCommand({ TableName: api.deps.db.table, Key: keys.wallet("mixed"), UpdateExpression: "REMOVE holds" }),
    );
    await asLegacy("mixed", "old");
    const fresh = await reserved({
      customerId: "mixed",
      feature: "images",
      idempotencyKey: "new",
      value: "5",
      ttlSeconds: 3600,
    });
    expect((await walletItem("mixed")).holds).toEqual({ new: holdStamp(fresh.expiresAt) });
    await f.advanceClock("2026-01-01T00:06:00.000Z");
    // The lazy path looks at the map only: the legacy hold stays held until the sweeper's run.
    await f.track({ customerId: "mixed", feature: "images", idempotencyKey: "t", value: "1" });
    expect(await listed("mixed")).toEqual([{ idempotencyKey: "new", status: "HELD" }]);
    expect(await getItem(api.deps.db, keys.reservation("mixed", "old"))).toMatchObject({ status: "HELD" });
    await api.ok(`mutation { closeDuePeriods }`);
    expect(await listed("mixed", "EXPIRED")).toEqual([{ idempotencyKey: "old", status: "EXPIRED" }]);
    const w = await walletItem("mixed");
    expect([w.holds, big(w.heldCredits)]).toEqual([{ new: holdStamp(fresh.expiresAt) }, units(5)]);
    expect(await f.wallet("mixed")).toMatchObject({ credits: "4994" });
  });
});

describe("the entries' stored shape (core/db/wallets.ts holdStamp)", () => {
  it("an expiry is stored in 8 characters; an entry of the earlier shape (an ISO instant) still expires lazily", async () => {
    await f.customerOn("shapes", "credits");
    const old = await reserved({
      customerId: "shapes",
      feature: "images",
      idempotencyKey: "old",
      value: "2",
      ttlSeconds: 60,
    });
    const fresh = await reserved({ customerId: "shapes", feature: "images", idempotencyKey: "new", value: "3" });
    expect(holdStamp(fresh.expiresAt)).toHaveLength(8);
    // As a wallet written before the compact shape holds it: its expiry as an ISO instant.
    await api.deps.db.doc.send(
      new UpdateCommand({
        TableName: api.deps.db.table,
        Key: keys.wallet("shapes"),
        UpdateExpression: "SET holds.#k = :at",
        ExpressionAttributeNames: { "#k": "old" },
        ExpressionAttributeValues: { ":at": old.expiresAt },
      }),
    );
    expect((await walletItem("shapes")).holds).toEqual({ old: old.expiresAt, new: holdStamp(fresh.expiresAt) });
    // Made at one instant (the test clock): by key.
    expect(await listed("shapes")).toEqual([
      { idempotencyKey: "new", status: "HELD" },
      { idempotencyKey: "old", status: "HELD" },
    ]);

    await f.advanceClock(new Date(Date.parse(old.expiresAt) + 1000).toISOString());
    const writing = await sent(async () => {
      const t = await f.track({ customerId: "shapes", feature: "images", idempotencyKey: "t", value: "1" });
      expect(t.errors).toBeUndefined();
    });
    expect(reservationsRead(writing)).toEqual([keys.reservation("shapes", "old")]);
    const w = await walletItem("shapes");
    expect([w.holds, w.holdsDueAt]).toEqual([{ new: holdStamp(fresh.expiresAt) }, fresh.expiresAt]);
    expect(await listed("shapes", "EXPIRED")).toEqual([{ idempotencyKey: "old", status: "EXPIRED" }]);
    expect(await f.wallet("shapes")).toMatchObject({ credits: "4996" });
  });
});

describe("a settle leaves the reservation's item as it is (its open-hold entry decided)", () => {
  const SETTLE = `mutation($id: ID!, $v: Decimal!) { settleReservation(id: $id, input: { value: $v }) {
    capped replayed reservation { status } event { value credits } } }`;
  const funds = async (c: string) =>
    (await api.ok(`query($c: ID!) { customer(id: $c) { wallet { credits heldCredits } } }`, { c })).customer.wallet;
  const stored = async (c: string, key: string) => {
    const item = (await getItem(api.deps.db, keys.reservation(c, key)))!;
    return [item.status, item.gsi1pk !== undefined];
  };

  it("answers SETTLED everywhere; a replay keeps `capped`; the sweeper writes the status down when the hold would have been due", async () => {
    await f.customerOn("ends", "credits");
    const a = await reserved({
      customerId: "ends",
      feature: "images",
      idempotencyKey: "a",
      value: "4",
      ttlSeconds: 60,
    });
    const first = (await api.ok(SETTLE, { id: a.id, v: "6000" })).settleReservation;
    expect(first).toEqual({
      capped: true,
      replayed: false,
      reservation: { status: "SETTLED" },
      event: { value: "6000", credits: "5000" },
    });
    // Stored as reserved (HELD, in the hold-due index); every answer tells the settle from the wallet.
    expect(await stored("ends", "a")).toEqual(["HELD", true]);
    expect((await walletItem("ends")).holds).toEqual({});
    expect(await listed("ends")).toEqual([]);
    expect(await listed("ends", "SETTLED")).toEqual([{ idempotencyKey: "a", status: "SETTLED" }]);
    expect((await api.ok(SETTLE, { id: a.id, v: "6000" })).settleReservation).toEqual({ ...first, replayed: true });
    expectError(await api.gql(SETTLE, { id: a.id, v: "7" }), "IDEMPOTENCY_KEY_REUSED");
    expect(
      (await api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id: a.id })).releaseReservation,
    ).toEqual({ status: "SETTLED" });
    expect(
      (await reserved({ customerId: "ends", feature: "images", idempotencyKey: "a", value: "4", ttlSeconds: 60 }))
        .status,
    ).toBe("SETTLED");
    expect(await funds("ends")).toEqual({ credits: "0", heldCredits: "0" });

    await f.advanceClock("2026-01-01T03:00:00.000Z");
    await api.ok(`mutation { closeDuePeriods }`);
    expect(await stored("ends", "a")).toEqual(["SETTLED", false]);
    expect(await listed("ends", "SETTLED")).toEqual([{ idempotencyKey: "a", status: "SETTLED" }]);
    expect((await api.ok(SETTLE, { id: a.id, v: "6000" })).settleReservation).toEqual({ ...first, replayed: true });
  });

  it("a track that took a held reservation's key: the settle is IDEMPOTENCY_KEY_REUSED and the hold stays open", async () => {
    await f.customerOn("taken", "credits");
    const r = await reserved({ customerId: "taken", feature: "images", idempotencyKey: "k", value: "4" });
    expect((await f.track({ customerId: "taken", feature: "images", idempotencyKey: "k", value: "1" })).errors).toBe(
      undefined,
    );
    expectError(await api.gql(SETTLE, { id: r.id, v: "2" }), "IDEMPOTENCY_KEY_REUSED");
    expect(await listed("taken")).toEqual([{ idempotencyKey: "k", status: "HELD" }]);
    expect(await funds("taken")).toEqual({ credits: "4995", heldCredits: "4" });
    expect(
      (await api.ok(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id: r.id })).releaseReservation,
    ).toEqual({ status: "RELEASED" });
    expect(await funds("taken")).toEqual({ credits: "4999", heldCredits: "0" });
  });
});
