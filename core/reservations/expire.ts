/**
 * Expiry: a hold not settled or released by its `expiresAt` is given back, with a
 * `reservation.expired` event (in the reservation's own outbox, in the same transaction). The
 * sweeper finds due holds through the sparse hold index (expireDueReservations); the customer's
 * next write finds them through the wallet's `holdsDueAt` mark and its open holds (`holds`: only
 * the due reservations are read; expireDueHolds, from core/usage/current.ts walletForWrite). A
 * settle that arrives later records from what is available.
 */
import type { Deps } from "../deps";
import { listDueHolds } from "../db/due";
import {
  getReservation,
  getReservations,
  listReservations,
  markSettled,
  setHoldsDueAt,
  writeGiveBack,
} from "../db/reservations";
import { reservationExpired } from "../events";
import { publish } from "../events/publish";
import { forgetWallet } from "../db/wallet-cache";
import { forgetReservation } from "../db/reservation-cache";
import type { Wallet } from "../wallet";
import { getWallet } from "../db/wallets";
import { grantsDue } from "../credit-grants/grant";
import { settleExpiredGrants, withoutExpiredGrants } from "../credit-grants/expire";
import { loadWallet } from "../usage/load";
import { holdOf, moveHold, type Reservation } from "./reservation";
import { onWallet, reservationAsIs } from "./release";

const ATTEMPTS = 8;

/** Expires one held reservation (a no-op answer when it left HELD meanwhile): the reservation as it is then. */
export async function expireReservation(deps: Deps, r: Reservation, now: Date): Promise<Reservation> {
  const at = now.toISOString();
  const event = reservationExpired(r, at);
  let current = r;
  let wallet: Wallet | undefined;
  for (let attempt = 0; attempt < ATTEMPTS && current.status === "HELD"; attempt++) {
    const result = await writeGiveBack(deps.db, current, "EXPIRED", at, [event], wallet);
    if (result.ok) {
      forgetWallet(deps.db, current.customerId);
      forgetReservation(deps.db, current);
      await publish(deps, [event], result.outbox);
      return { ...current, status: "EXPIRED", closedAt: at };
    }
    if ("reservation" in result) current = result.reservation;
    // Holds keep credits of an expired grant: decided again on the wallet as it is (core/wallet.ts);
    // a settle that won leaves no entry (onWallet).
    if ("wallet" in result) ({ current, wallet } = await onWallet(deps, current, result.wallet));
  }
  return current;
}

/**
 * The customer's holds due by `now`, expired in the order they expired, each after the credit
 * grants that expired before it (at the same instant: the grant first): what a grant leaves held
 * depends on the holds open when it expires (core/wallet.ts heldExpired). Then the wallet's mark
 * moves to the next expiry of what stays open.
 */
export async function expireDueHolds(deps: Deps, wallet: Wallet, now: Date): Promise<void> {
  const { due, next } = await dueHolds(deps, wallet, now.toISOString());
  for (const r of due) {
    if (grantsDue(wallet, r.expiresAt))
      await settleExpiredGrants(deps, await loadWallet(deps, wallet.customerId), new Date(r.expiresAt));
    await expireReservation(deps, r, now);
  }
  await setHoldsDueAt(deps.db, wallet, next);
}

/** For a read: the wallet as if the holds due by `now` were given back (nothing is written), in that order too. */
export async function withDueHoldsGivenBack(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  const { due } = await dueHolds(deps, wallet, now.toISOString());
  return due.reduce(
    (w, r) => moveHold(withoutExpiredGrants(w, new Date(r.expiresAt)), r.feature, holdOf(r), -1n),
    wallet,
  );
}

/**
 * The held reservations due by `at`, in expiry order, and the next expiry of the others. They come
 * from the wallet's open holds (`holds`): only the due ones are read, by key, so the cost follows
 * the open holds, not every reservation the customer ever made (kept 400 days). A legacy wallet
 * (a mark, no map: its holds were made before the map) lists its reservations as before.
 */
async function dueHolds(deps: Deps, wallet: Wallet, at: string): Promise<{ due: Reservation[]; next?: string }> {
  if (!wallet.holds) {
    const held = (await listReservations(deps.db, wallet.customerId)).filter((r) => r.status === "HELD");
    return split(
      held.map((r) => [r.idempotencyKey, r.expiresAt]),
      at,
      held,
    );
  }
  const entries = Object.entries(wallet.holds);
  const dueKeys = entries.filter(([, expiresAt]) => expiresAt <= at).map(([key]) => key);
  const read = await getReservations(deps.db, wallet.customerId, dueKeys);
  return split(
    entries,
    at,
    read.filter((r) => r.status === "HELD"),
  );
}

function split(entries: [string, string][], at: string, held: Reservation[]): { due: Reservation[]; next?: string } {
  const next = entries.reduce<string | undefined>(
    (min, [, expiresAt]) => (expiresAt > at && (!min || expiresAt < min) ? expiresAt : min),
    undefined,
  );
  const due = byExpiry(held.filter((r) => r.expiresAt <= at));
  return next ? { due, next } : { due };
}

const byExpiry = (rs: Reservation[]) =>
  [...rs].sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));

/**
 * What the sweeper runs: every hold due by `now`, expired; returns how many it expired. A customer
 * with credit grants has its due holds expired in order with them (expireDueHolds), as its next
 * write would.
 */
export async function expireDueReservations(deps: Deps, now: Date): Promise<number> {
  const due = listDueHolds(deps.db, now);
  let expired = 0;
  for (let next = await due.next(); !next.done; next = await due.next()) {
    const [customerId, idempotencyKey] = splitOnce(next.value);
    const stored = await getReservation(deps.db, customerId, idempotencyKey);
    // Settled leaving the stored HELD (./settle.ts): told by its wallet and written down here.
    const r = stored && (await reservationAsIs(deps, stored));
    if (stored && r?.status === "SETTLED" && stored.status === "HELD") await markSettled(deps.db, stored);
    if (r?.status === "HELD" && r.expiresAt <= now.toISOString()) {
      const wallet = r.credits ? await getWallet(deps.db, customerId) : undefined;
      if (wallet?.grants?.length) {
        await expireDueHolds(deps, wallet, now);
        const after = await getReservation(deps.db, customerId, idempotencyKey);
        if (after?.status === "EXPIRED" && after.closedAt === now.toISOString()) expired++;
        // A hold made before the wallet's open-holds map (core/README.md): not in it, expired here.
        else if (after?.status === "HELD" && (await expireReservation(deps, after, now)).status === "EXPIRED")
          expired++;
      } else if ((await expireReservation(deps, r, now)).status === "EXPIRED") expired++;
    }
  }
  return expired;
}

const splitOnce = (text: string): [string, string] => {
  const i = text.indexOf("#");
  return [text.slice(0, i), text.slice(i + 1)];
};
