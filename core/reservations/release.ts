/**
 * releaseReservation: the hold goes back to what is available, nothing is recorded. Releasing a
 * reservation that already left HELD changes nothing and answers it as it is (RELEASED, EXPIRED,
 * or SETTLED when the settle won a race), so a client may always release in a `finally`. One past
 * its expiry had already ended there: it is expired (with its event), not released, as it would
 * have been by the sweeper, so a later settle still records from what is available.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getReservation, markSettled, writeGiveBack } from "../db/reservations";
import { forgetWallet } from "../db/wallet-cache";
import { forgetReservation } from "../db/reservation-cache";
import { asSeen, parseReservationId, type Reservation } from "./reservation";
import { expireReservation } from "./expire";
import type { Wallet } from "../wallet";
import { getWallet } from "../db/wallets";
import { currentWallet } from "../usage/current";

const ATTEMPTS = 8;

export async function releaseReservation(deps: Deps, id: string): Promise<Reservation> {
  let reservation = await reservationAsIs(deps, await findReservation(deps, id));
  // Credit grants that expired under holds keep what the holds open then took (core/wallet.ts):
  // they are settled, and due holds expired, in time order before this hold is given back.
  if (reservation.credits && (await getWallet(deps.db, reservation.customerId))?.grants?.length) {
    await currentWallet(deps, reservation.customerId, { close: true });
    reservation = await reservationAsIs(deps, await findReservation(deps, id));
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
    if ("wallet" in result) ({ current, wallet } = await onWallet(deps, current, result.wallet));
  }
  if (current.status === "HELD")
    throw new DomainError("CONFLICT", "too much contention on this reservation; retry the release");
  return current;
}

/**
 * A give-back refused on `wallet` (read by the refusal, after the reservation was): a `walletHeld`
 * reservation whose entry it no longer has has ended (a settle won: written down), else the
 * give-back is decided again on this wallet.
 */
export async function onWallet(
  deps: Deps,
  r: Reservation,
  wallet: Wallet,
): Promise<{ current: Reservation; wallet: Wallet }> {
  if (!r.walletHeld || (wallet.holds && Object.hasOwn(wallet.holds, r.idempotencyKey))) return { current: r, wallet };
  const current = await reservationAfter(deps, r);
  if (current.status === "SETTLED" && r.status === "HELD") await markSettled(deps.db, r);
  return { current, wallet };
}

/**
 * A reservation as it is now (core/reservations/reservation.ts): a `walletHeld` one with a stored
 * HELD is read against its wallet (read after it), and told by reservationAfter when its entry is gone.
 */
export async function reservationAsIs(deps: Deps, r: Reservation): Promise<Reservation> {
  if (!r.walletHeld || r.status !== "HELD") return r;
  const holds = (await getWallet(deps.db, r.customerId))?.holds;
  return holds && Object.hasOwn(holds, r.idempotencyKey) ? r : reservationAfter(deps, r);
}

/**
 * `r` (a `walletHeld` reservation) after a wallet read that no longer has its entry: the item read
 * again tells a release or an expiry (each moved the status with the entry); still HELD, it was
 * settled (a settle leaves the item as it is).
 */
export async function reservationAfter(deps: Deps, r: Reservation): Promise<Reservation> {
  const again = (await getReservation(deps.db, r.customerId, r.idempotencyKey)) ?? r;
  return again.status === "HELD" ? asSeen(again, undefined) : again;
}

/** The reservation an id names: NOT_FOUND for an id that names none. */
export async function findReservation(deps: Deps, id: string): Promise<Reservation> {
  const { customerId, idempotencyKey } = parseReservationId(id);
  const r = await getReservation(deps.db, customerId, idempotencyKey);
  if (!r) throw new DomainError("NOT_FOUND", `reservation "${id.slice(0, 64)}" not found`);
  return r;
}
