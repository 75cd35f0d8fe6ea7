/**
 * Reservation items (core/reservations) and their transactions. Each transition is one
 * transaction conditioned on the status it leaves, together with what it does to the wallet:
 *
 * - reserve: the new reservation (attribute_not_exists: its key is the idempotency record) and
 *   the hold (./usage-update.ts with a HoldMove, under the charge's guards and the period);
 * - settle: the usage event (its key is the reservation's), the wallet (the actual charge, the
 *   hold given back, its open-hold entry removed under the condition that it is there) and what it
 *   announces; the status too only for a reservation whose hold is not such an entry (made before
 *   2026-12-02) or that expired first (its entry is gone): a `walletHeld` one's stored HELD is
 *   written SETTLED by the sweeper later (markSettled);
 * - release and expiry: the status (an expiry with its `reservation.expired` event in the item's
 *   own outbox) and the hold given back, whatever period the wallet is in now (holds carry).
 */
import { ConditionalCheckFailedException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "./commands";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import { reservationId, type Reservation, type ReservationStatus } from "../reservations/reservation";
import type { UsageEvent } from "../usage/event";
import { expiredHeldCredits, type Wallet } from "../wallet";
import type { Db } from "./client";
import { EVENT_RETENTION_DAYS, eventItem, toEvent } from "./events";
import { batchGet, big, getItem, int, queryPrefix, type Item } from "./items";
import { ItemType, keys, TABLE, type Key } from "./keys";
import { outboxFields, outboxItem, outboxKeyOf } from "./outbox";
import { nextRecordingOrder } from "./recording-order";
import { failedWith, transact, type TransactItem } from "./transact";
import { UpdateExpression } from "./update-expression";
import { heldUsageAttribute, toWallet } from "./wallets";
import { entryClauses, expiredClauses, usageUpdate, type HoldMove, type UsageUpdate } from "./usage-update";

/**
 * Reservations are kept as long as usage events (their settles' records), then removed by TTL;
 * counted from the real time of the write, like events (TTL deletes by real time).
 */
const retentionEnd = () => Math.floor(Date.now() / 1000) + EVENT_RETENTION_DAYS * 86_400;

/**
 * The item keeps what its key does not say: its id, customer and idempotency key are derived from
 * `pk` / `sk` (toReservation), which keeps it near 300 bytes and, with 128-character ids, under the
 * 1 KB of one write unit (each transactional write of it costs 2 units a KB).
 */
export function reservationItem(r: Reservation): Item {
  const { id: _id, customerId: _customer, idempotencyKey: _key, expiresAt, ...rest } = r;
  return {
    ...keys.reservation(r.customerId, r.idempotencyKey),
    ...(r.status === "HELD" ? keys.holdDue(r.customerId, r.idempotencyKey, expiresAt) : {}),
    type: ItemType.RESERVATION,
    ...rest,
    holdExpiresAt: expiresAt,
    // The table's TTL attribute (`expiresAt`) is retention; the hold's own expiry is `holdExpiresAt`.
    [TABLE.ttlAttribute]: retentionEnd(),
  };
}

export function toReservation(item: Item): Reservation {
  const optionalInt = (v: unknown) => (v === undefined || v === null ? {} : { v: int(v) });
  const tokens = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const;
  const { customerId, idempotencyKey } = keys.reservationOf(item as Key);
  return {
    id: reservationId(customerId, idempotencyKey),
    customerId,
    feature: item.feature as string,
    idempotencyKey,
    status: item.status as ReservationStatus,
    value: big(item.value),
    ...(item.credits !== undefined ? { credits: big(item.credits) } : {}),
    ...(item.amount !== undefined ? { amount: big(item.amount) } : {}),
    ...(item.model ? { model: item.model as string } : {}),
    ...Object.fromEntries(tokens.flatMap((k) => Object.values(optionalInt(item[k])).map((v) => [k, v]))),
    expiresAt: item.holdExpiresAt as string,
    createdAt: item.createdAt as string,
    requestHash: item.requestHash as string,
    ...(item.capped !== undefined ? { capped: Boolean(item.capped) } : {}),
    ...(item.closedAt ? { closedAt: item.closedAt as string } : {}),
    ...(item.walletHeld ? { walletHeld: true as const } : {}),
  };
}

export async function getReservation(db: Db, customerId: string, idempotencyKey: string) {
  const item = await getItem(db, keys.reservation(customerId, idempotencyKey));
  return item && toReservation(item);
}

/** Reservations of a customer by idempotency key (BatchGetItem, no request for none), missing ones absent. */
export async function getReservations(db: Db, customerId: string, idempotencyKeys: string[]): Promise<Reservation[]> {
  const items = await batchGet(
    db,
    idempotencyKeys.map((k) => keys.reservation(customerId, k)),
  );
  return items.map(toReservation);
}

/**
 * A customer's reservations (one Query of its partition, every one it made in 400 days), oldest
 * key first: for a listing by a closed status, never for the open holds (the wallet's `holds`).
 */
export async function listReservations(db: Db, customerId: string): Promise<Reservation[]> {
  const items = await queryPrefix(db, keys.customerPartition(customerId), keys.reservationPrefix());
  return items.map(toReservation);
}

const old = (reason: { Item?: Record<string, AttributeValue> } | undefined) =>
  reason?.Item ? unmarshall(reason.Item, { wrapNumbers: true }) : undefined;

export type ReserveWriteResult =
  | { ok: true; outbox?: Key }
  | { ok: false; existing: Reservation }
  | { ok: false; wallet: Wallet }
  | { ok: false; conflict: true };

/** The new reservation and its hold, both or neither; the thresholds the hold crosses announced from an outbox item. */
export async function writeReserve(
  db: Db,
  reservation: Reservation,
  update: UsageUpdate,
  announces: BillingEvent[] = [],
): Promise<ReserveWriteResult> {
  const cancelled = await transact(db, [
    {
      Put: {
        TableName: db.table,
        Item: reservationItem(reservation),
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    { Update: usageUpdate(db, update) },
    ...(announces.length ? [{ Put: { TableName: db.table, Item: outboxItem(announces) } }] : []),
  ]);
  if (!cancelled) return { ok: true, ...(announces.length ? { outbox: outboxKeyOf(announces) } : {}) };
  const [mine, wallet] = cancelled.reasons.map(old);
  if (mine) return { ok: false, existing: toReservation(mine) };
  if (wallet) return { ok: false, wallet: toWallet(wallet) };
  if (failedWith("TransactionConflict", cancelled.reasons)) return { ok: false, conflict: true };
  throw cancelled.error;
}

export type TransitionResult =
  | { ok: true; outbox?: Key }
  /** The reservation is not in the status the transition leaves any more: as it is now. */
  | { ok: false; reservation: Reservation }
  /** The settle's usage event key was taken (by a track with the same key). */
  | { ok: false; duplicate: UsageEvent }
  | { ok: false; wallet: Wallet }
  | { ok: false; conflict: true };

/** The reservation's status move, conditioned on the status it leaves. */
function statusUpdate(db: Db, r: Reservation, from: ReservationStatus, set: Record<string, unknown>): TransactItem {
  const u = new UpdateExpression();
  u.name("#status", "status");
  for (const [attribute, value] of Object.entries(set)) u.assign(attribute, value);
  u.when(`#status = ${u.value(":from", from)}`);
  // Leaving HELD leaves the hold due index (an expiry puts the item in the outbox index instead).
  if (from === "HELD" && !("outbox" in set)) u.remove("gsi1pk", "gsi1sk");
  return {
    Update: {
      TableName: db.table,
      Key: keys.reservation(r.customerId, r.idempotencyKey),
      ...u.build(),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

export type SettleWrite = {
  reservation: Reservation;
  from: ReservationStatus;
  event: UsageEvent;
  update: UsageUpdate;
  announces: BillingEvent[];
};

/**
 * The settle: usage event, wallet and announcements, all or nothing; and the status, unless the
 * wallet's open-hold entry decides (a `walletHeld` reservation settled from HELD: the usage event
 * then keeps `capped`).
 */
export async function writeSettle(db: Db, w: SettleWrite): Promise<TransitionResult> {
  const r = w.reservation;
  const byEntry = w.from === "HELD" && r.walletHeld === true;
  const items: TransactItem[] = [
    // Nothing repeats the usage event (its requestHash and recordedAt are the settle's).
    ...(byEntry ? [] : [statusUpdate(db, r, w.from, { status: "SETTLED", ...(r.capped ? { capped: true } : {}) })]),
    {
      Put: {
        TableName: db.table,
        Item: eventItem(w.event, nextRecordingOrder()),
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    { Update: usageUpdate(db, w.update) },
    ...(w.announces.length ? [{ Put: { TableName: db.table, Item: outboxItem(w.announces) } }] : []),
  ];
  const cancelled = await transact(db, items);
  if (!cancelled) return { ok: true, ...(w.announces.length ? { outbox: outboxKeyOf(w.announces) } : {}) };
  const [mine, event, wallet] = [...(byEntry ? [undefined] : []), ...cancelled.reasons.map(old)];
  if (mine) return { ok: false, reservation: toReservation(mine) };
  if (event) return { ok: false, duplicate: toEvent(event) };
  if (wallet) return { ok: false, wallet: toWallet(wallet) };
  if (failedWith("TransactionConflict", cancelled.reasons)) return { ok: false, conflict: true };
  throw cancelled.error;
}

/**
 * A hold given back (release, expiry): HELD -> `to`, and the wallet's hold counters back into what
 * is available, in whatever period the wallet is now. An expiry's event rides in the item's outbox.
 */
export async function writeGiveBack(
  db: Db,
  r: Reservation,
  to: "RELEASED" | "EXPIRED",
  at: string,
  announces: BillingEvent[] = [],
  wallet?: Wallet,
): Promise<TransitionResult> {
  const key = keys.reservation(r.customerId, r.idempotencyKey);
  const credits = r.credits ?? 0n;
  // Holds keeping credits of expired grants (core/wallet.ts): decided on the wallet a failed try returned.
  const kept = wallet?.heldExpired ?? 0n;
  const expired =
    wallet && kept > 0n && credits > 0n
      ? { seen: kept, heldSeen: wallet.heldCredits, ...expiredHeldCredits(wallet, credits, 0n) }
      : undefined;
  const cancelled = await transact(db, [
    statusUpdate(db, r, "HELD", { status: to, closedAt: at, ...outboxFields(announces, at, r.id) }),
    {
      Update: giveBackUpdate(db, r.customerId, {
        feature: r.feature,
        quantity: r.value,
        credits,
        amount: r.amount ?? 0n,
        ...(expired ? { expired } : {}),
        // Without a wallet read, the map is assumed (every wallet that reserved since has one); a
        // legacy wallet fails the assertion once and the retry removes nothing.
        entry: {
          key: r.idempotencyKey,
          map: wallet ? wallet.holds !== undefined : true,
          ...(r.walletHeld ? { exact: true } : {}),
        },
      }),
    },
  ]);
  if (!cancelled) return { ok: true, ...(announces.length ? { outbox: key } : {}) };
  const [mine, changed] = cancelled.reasons.map(old);
  if (mine) return { ok: false, reservation: toReservation(mine) };
  if (changed) return { ok: false, wallet: toWallet(changed) };
  if (failedWith("TransactionConflict", cancelled.reasons)) return { ok: false, conflict: true };
  throw cancelled.error;
}

/** What a hold took, given back: no condition on the period (a hold carries across closes). */
function giveBackUpdate(db: Db, customerId: string, hold: HoldMove) {
  const u = new UpdateExpression();
  const lost = hold.expired?.lost ?? 0n;
  const usage = `${u.name("#usage", "usage")}.${u.name("#f", hold.feature)}`;
  u.value(":zero", 0n);
  u.set(`${usage} = if_not_exists(${usage}, :zero) - ${u.value(":q", hold.quantity)}`);
  u.add(`${u.name("#heldUsage", heldUsageAttribute(hold.feature))} ${u.value(":negQ", -hold.quantity)}`);
  u.add(`${u.name("#version", "version")} ${u.value(":one", 1)}`);
  if (hold.credits !== 0n) {
    if (hold.credits !== lost) u.add(`credits ${u.value(":c", hold.credits - lost)}`);
    u.add(`heldCredits ${u.value(":negC", -hold.credits)}`);
    expiredClauses(u, hold.expired);
  }
  if (hold.amount !== 0n)
    u.add(`balance ${u.value(":a", hold.amount)}`).add(`heldAmount ${u.value(":negA", -hold.amount)}`);
  entryClauses(u, hold);
  // Funds coming back: usage writes decided on a view from before re-decide (core/alerts).
  if (hold.credits !== lost || hold.amount !== 0n) u.add(`${u.name("#alarmsRev", "alarmsRev")} :one`);
  u.when("attribute_exists(pk)");
  return {
    TableName: db.table,
    Key: keys.wallet(customerId),
    ...u.build(),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

/**
 * A `walletHeld` reservation settled from HELD, written down: its stored status SETTLED and its
 * hold due entry gone (what the settle left, so that the sweeper stops finding it). Only for one
 * whose open-hold entry a wallet read after the reservation's no longer has: nothing reopens an
 * entry, and a release or expiry would have moved the status itself (the condition). A capped
 * settle's `capped` is on its usage event.
 */
export async function markSettled(db: Db, r: Reservation): Promise<void> {
  const { ReturnValuesOnConditionCheckFailure: _all, ...update } = statusUpdate(db, r, "HELD", {
    status: "SETTLED",
  }).Update!;
  try {
    await db.doc.send(new UpdateCommand(update)); // not a transaction: 1 write unit, not 2
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The wallet's lazy-expiry mark after the due holds were expired: the next expiry (or none),
 * only if no reservation was made since `wallet` was read (else it is left as it is, early, which
 * costs one more look, never a missed expiry).
 */
export async function setHoldsDueAt(db: Db, wallet: Wallet, next: string | undefined): Promise<void> {
  const u = new UpdateExpression();
  if (next) u.set(`holdsDueAt = ${u.value(":next", next)}`);
  else u.remove("holdsDueAt");
  u.when(wallet.holdsMade ? `holdsMade = ${u.value(":made", wallet.holdsMade)}` : "attribute_not_exists(holdsMade)");
  const cancelled = await transact(db, [
    { Update: { TableName: db.table, Key: keys.wallet(wallet.customerId), ...u.build() } },
  ]);
  if (
    cancelled &&
    !failedWith("ConditionalCheckFailed", cancelled.reasons) &&
    !failedWith("TransactionConflict", cancelled.reasons)
  )
    throw cancelled.error;
}
