/**
 * releaseReservation: the hold goes back to what is available, nothing is recorded. Releasing a
 * reservation that already left HELD changes nothing and answers it as it is (RELEASED, EXPIRED,
 * or SETTLED when the settle won a race), so a client may always release in a `finally`. One past
 * its expiry had already ended there: it is expired (with its event), not released, as it would
 * have been by the sweeper, so a later settle still records from what is available.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getReservation, writeGiveBack } from "../db/reservations";
import { forgetWallet } from "../db/wallet-cache";
import { forgetReservation } from "../db/reservation-cache";
import { parseReservationId, type Reservation } from "./reservation";
import { expireReservation } from "./expire";
import type { Wallet } from "../wallet";
import { getWallet } from "../db/wallets";
import { currentWallet } from "../usage/current";

const ATTEMPTS = 8;

export async function releaseReservation(deps: Deps, id: string): Promise<Reservation> {
  let reservation = await findReservation(deps, id);
  // Credit grants that expired under holds keep what the holds open then took (core/wallet.ts):
  // they are settled, and due holds expired, in time order before this hold is given back.
  if (reservation.credits && (await getWallet(deps.db, reservation.customerId))?.grants?.length) {
    await currentWallet(deps, reservation.customerId, { close: true });
    reservation = await findReservation(deps, id);
  }
  const clock = await deps.clock.now();
  const now = clock.toISOString();
  if (reservation.status === "HELD" && reservation.expiresAt <= now) return expireReservation(deps, reservation, clock);
  let current = reservation;
  let wallet: Wallet | undefined;
  for (let attempt = 0; attempt < ATTEMPTS && current.status === "HELD"; attempt++) {
    const result = await writeGiveBack(deps.db, current, "RELEASED", now, [], wallet);
    if (result.ok) {
      forgetWallet(deps.db, current.customerId);
      forgetReservation(deps.db, current);
      return { ...current, status: "RELEASED", closedAt: now };
    }
    if ("reservation" in result) current = result.reservation;
    // Holds keep credits of an expired grant: decided again on the wallet as it is (core/wallet.ts).
    if ("wallet" in result) wallet = result.wallet;
  }
  if (current.status === "HELD")
    throw new DomainError("CONFLICT", "too much contention on this reservation; retry the release");
  return current;
}

/** The reservation an id names: NOT_FOUND for an id that names none. */
export async function findReservation(deps: Deps, id: string): Promise<Reservation> {
  const { customerId, idempotencyKey } = parseReservationId(id);
  const r = await getReservation(deps.db, customerId, idempotencyKey);
  if (!r) throw new DomainError("NOT_FOUND", `reservation "${id.slice(0, 64)}" not found`);
  return r;
}
