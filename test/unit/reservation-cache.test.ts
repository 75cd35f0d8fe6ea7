/** This process's reservations (core/db/reservation-cache.ts): bounded for a Lambda, oldest evicted first. */
import { expect, it } from "vitest";
import {
  cachedReservation,
  cachedReservationCount,
  forgetReservation,
  rememberReservation,
  RESERVATION_CACHE_LIMIT,
} from "../../core/db/reservation-cache";
import type { Db } from "../../core/db/client";
import { reservationId, type Reservation } from "../../core/reservations/reservation";

const db = { table: "reservation-cache" } as Db;
const held = (key: string): Reservation => ({
  id: reservationId("c", key),
  customerId: "c",
  feature: "calls",
  idempotencyKey: key,
  status: "HELD",
  value: 1n,
  expiresAt: "2026-01-01T00:05:00.000Z",
  createdAt: "2026-01-01T00:00:00.000Z",
  requestHash: "h",
});

it("holds at most RESERVATION_CACHE_LIMIT reservations, the oldest evicted first; a settled one is forgotten", () => {
  for (let i = 0; i <= RESERVATION_CACHE_LIMIT; i++) rememberReservation(db, held(`k-${i}`));
  expect(RESERVATION_CACHE_LIMIT).toBe(1_000);
  expect(cachedReservationCount()).toBe(RESERVATION_CACHE_LIMIT);
  expect(cachedReservation(db, "c", "k-0")).toBeUndefined();
  expect(cachedReservation(db, "c", "k-1")?.idempotencyKey).toBe("k-1");
  forgetReservation(db, held("k-1"));
  expect(cachedReservation(db, "c", "k-1")).toBeUndefined();
  expect(cachedReservationCount()).toBe(RESERVATION_CACHE_LIMIT - 1);
});
