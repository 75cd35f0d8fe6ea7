/** Reservations: hold usage before expensive work, settle the actual amount after (README.md "Reservations"). */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getReservations, listReservations } from "../db/reservations";
import { getWallet } from "../db/wallets";
import { IdSchema, parseInput } from "../validation";
import { asSeen, type Reservation, type ReservationStatus } from "./reservation";

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
  // The open ones are read by the wallet's open holds (its map is them); a legacy wallet (without
  // the map) and the closed statuses list the partition.
  if (status === "HELD") {
    const holds = (await getWallet(deps.db, customerId))?.holds;
    if (holds) return ordered(await getReservations(deps.db, customerId, Object.keys(holds)), status);
  }
  const listed = await listReservations(deps.db, customerId);
  // A settle may leave a stored HELD (./settle.ts): those whose entry the wallet (read after them)
  // no longer has are read again, which tells a release or an expiry since from a settle.
  if (!listed.some((r) => r.walletHeld && r.status === "HELD")) return ordered(listed, status);
  const holds = (await getWallet(deps.db, customerId))?.holds ?? {};
  const ended = listed.filter((r) => r.walletHeld && r.status === "HELD" && !Object.hasOwn(holds, r.idempotencyKey));
  const again = new Map(
    (
      await getReservations(
        deps.db,
        customerId,
        ended.map((r) => r.idempotencyKey),
      )
    ).map((r) => [r.idempotencyKey, r]),
  );
  return ordered(
    listed.map((r) => asSeen(again.get(r.idempotencyKey) ?? r, again.has(r.idempotencyKey) ? undefined : holds)),
    status,
  );
}

function ordered(all: Reservation[], status: ReservationStatus): Reservation[] {
  // Oldest first; made at one instant, by key (the order a partition listing had: the map's is none).
  return all
    .filter((r) => r.status === status)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
}
