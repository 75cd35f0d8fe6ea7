/** Reservations: hold usage before expensive work, settle the actual amount after (README.md "Reservations"). */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getReservations, listReservations } from "../db/reservations";
import { getWallet } from "../db/wallets";
import { IdSchema, parseInput } from "../validation";
import type { Reservation, ReservationStatus } from "./reservation";

export { reserveUsage } from "./reserve";
export { settleReservation, type SettleResult } from "./settle";
export { findReservation, releaseReservation } from "./release";
export { expireDueReservations } from "./expire";
export type { Reservation, ReservationStatus } from "./reservation";

/** A customer's reservations in one status (HELD by default), oldest first. */
export async function customerReservations(
  deps: Deps,
  customerId: string,
  status: ReservationStatus = "HELD",
): Promise<Reservation[]> {
  parseInput(IdSchema, customerId, "customerId");
  if (!["HELD", "SETTLED", "RELEASED", "EXPIRED"].includes(status))
    throw new DomainError("BAD_USER_INPUT", "status must be HELD, SETTLED, RELEASED or EXPIRED");
  // The open ones are read by the wallet's open holds; a legacy wallet (without the map) and the
  // closed statuses list the partition.
  const holds = status === "HELD" ? (await getWallet(deps.db, customerId))?.holds : undefined;
  const all = holds
    ? await getReservations(deps.db, customerId, Object.keys(holds))
    : await listReservations(deps.db, customerId);
  // Oldest first; made at one instant, by key (the order a partition listing had: the map's is none).
  return all
    .filter((r) => r.status === status)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
}
