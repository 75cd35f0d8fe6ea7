/**
 * Expiry: a hold not settled or released by its `expiresAt` is given back, with a
 * `reservation.expired` event (in the reservation's own outbox, in the same transaction). The
 * sweeper finds due holds through the sparse hold index (expireDueReservations); the customer's
 * next write finds them through the wallet's `holdsDueAt` mark (expireDueHolds, from
 * core/usage/current.ts walletForWrite). A settle that arrives later records from what is available.
 */
import type { Deps } from "../deps";
import { listDueHolds } from "../db/due";
import { getReservation, listReservations, setHoldsDueAt, writeGiveBack } from "../db/reservations";
import { reservationExpired } from "../events";
import { publish } from "../events/publish";
import { forgetWallet } from "../db/wallet-cache";
import { forgetReservation } from "../db/reservation-cache";
import type { Wallet } from "../wallet";
import { holdOf, moveHold, type Reservation } from "./reservation";

const ATTEMPTS = 8;

/** Expires one held reservation (a no-op answer when it left HELD meanwhile): the reservation as it is then. */
export async function expireReservation(deps: Deps, r: Reservation, now: Date): Promise<Reservation> {
  const at = now.toISOString();
  const event = reservationExpired(r, at);
  let current = r;
  for (let attempt = 0; attempt < ATTEMPTS && current.status === "HELD"; attempt++) {
    const result = await writeGiveBack(deps.db, current, "EXPIRED", at, [event]);
    if (result.ok) {
      forgetWallet(deps.db, current.customerId);
      forgetReservation(deps.db, current);
      await publish(deps, [event], result.outbox);
      return { ...current, status: "EXPIRED", closedAt: at };
    }
    if ("reservation" in result) current = result.reservation;
  }
  return current;
}

/** The customer's holds due by `now`, expired; then the wallet's mark moved to the next expiry. */
export async function expireDueHolds(deps: Deps, wallet: Wallet, now: Date): Promise<void> {
  const at = now.toISOString();
  const held = (await listReservations(deps.db, wallet.customerId)).filter((r) => r.status === "HELD");
  let next: string | undefined;
  for (const r of held) {
    if (r.expiresAt <= at) await expireReservation(deps, r, now);
    else if (!next || r.expiresAt < next) next = r.expiresAt;
  }
  await setHoldsDueAt(deps.db, wallet, next);
}

/** For a read: the wallet as if the holds due by `now` were given back (nothing is written). */
export async function withDueHoldsGivenBack(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  const at = now.toISOString();
  const due = (await listReservations(deps.db, wallet.customerId)).filter(
    (r) => r.status === "HELD" && r.expiresAt <= at,
  );
  return due.reduce((w, r) => moveHold(w, r.feature, holdOf(r), -1n), wallet);
}

/** What the sweeper runs: every hold due by `now`, expired; returns how many it expired. */
export async function expireDueReservations(deps: Deps, now: Date): Promise<number> {
  const due = listDueHolds(deps.db, now);
  let expired = 0;
  for (let next = await due.next(); !next.done; next = await due.next()) {
    const [customerId, idempotencyKey] = splitOnce(next.value);
    const r = await getReservation(deps.db, customerId, idempotencyKey);
    if (r?.status === "HELD" && r.expiresAt <= now.toISOString()) {
      if ((await expireReservation(deps, r, now)).status === "EXPIRED") expired++;
    }
  }
  return expired;
}

const splitOnce = (text: string): [string, string] => {
  const i = text.indexOf("#");
  return [text.slice(0, i), text.slice(i + 1)];
};
