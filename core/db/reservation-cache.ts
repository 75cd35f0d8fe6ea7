/**
 * This process's reservations as it made them, so that the settle of a reservation made here (the
 * usual case: one request reserves, calls the model, settles) skips reading it. Safe for the same
 * reason as the wallet cache (./wallet-cache.ts): the settle's transaction is conditioned on the
 * status it leaves, and a failed condition returns the reservation as it really is, which the
 * settle then decides on. Bounded: the oldest are evicted first; a settled or released one is dropped.
 * A reservation is settled within seconds to minutes of its reserve, by the instance that made it
 * when the caller's one request does both: 1,000 covers an instance's open ones (an evicted one
 * costs its settle one GetItem). Expiry (the sweeper, a customer's next write) forgets it.
 */
import type { Reservation } from "../reservations/reservation";
import type { Db } from "./client";

export const RESERVATION_CACHE_LIMIT = 1_000;

const held = new Map<string, Reservation>();
const keyOf = (db: Db, customerId: string, idempotencyKey: string) =>
  `${db.table}\u0000${customerId}\u0000${idempotencyKey}`;

export function cachedReservation(db: Db, customerId: string, idempotencyKey: string): Reservation | undefined {
  return held.get(keyOf(db, customerId, idempotencyKey));
}

export function rememberReservation(db: Db, r: Reservation): void {
  held.set(keyOf(db, r.customerId, r.idempotencyKey), r);
  if (held.size > RESERVATION_CACHE_LIMIT) held.delete(held.keys().next().value!);
}

export function forgetReservation(db: Db, r: Reservation): void {
  held.delete(keyOf(db, r.customerId, r.idempotencyKey));
}

/** How many reservations this process holds (the bench's memory lines, tests). */
export const cachedReservationCount = () => held.size;
