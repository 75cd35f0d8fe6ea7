/**
 * settleReservation: one usage event with the actual usage (its key is the reservation's), priced
 * like a track now, and the hold given back, in one transaction. The plan's model decides what is
 * charged (ConsumptionStrategy.settle): below the hold the rest comes back; above it the extra
 * comes from what is available, and where that runs out (credits, a blocking balance) only what is
 * there is charged, `capped`, the event keeping the full actual usage. A reservation past its
 * expiry is expired first, and the settle then records from what is available.
 *
 * Settling again with the same input replays; with another input it is IDEMPOTENCY_KEY_REUSED;
 * a released reservation is RESERVATION_RELEASED.
 *
 * A `walletHeld` reservation (./reservation.ts) settled from HELD is 2 items, as a track: its usage
 * event and the wallet, whose open-hold entry (asserted there, removed) decides which end wins;
 * its item keeps the stored HELD until the sweeper writes SETTLED (core/db/reservations.ts).
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { applyCharge, deltaOf, strategyFor } from "../models";
import type { Hold } from "../models/types";
import { unitEntitlement, type Entitlement } from "../entitlements";
import { getEvent } from "../db/events";
import { getReservation, writeSettle } from "../db/reservations";
import { rememberWallet } from "../db/wallet-cache";
import { publish } from "../events/publish";
import { CONFLICT_ATTEMPTS, RETRY, RETRY_AT_ONCE, withRetries, type Retry } from "../retry";
import { buildEvent, requestHash, type UsageEvent } from "../usage/event";
import { priceRequest } from "../usage/price";
import { currentWallet, walletForWrite } from "../usage/current";
import { keyReused } from "../usage/refusals";
import { announcements } from "../usage/track";
import { alarmsForWrite, withFired } from "../alerts/for-write";
import { activeSubscription, expiredHeldCredits, inTrial, type Wallet } from "../wallet";
import { expireReservation } from "./expire";
import { findReservation, reservationAfter } from "./release";
import { getWallet } from "../db/wallets";
import { cachedReservation, forgetReservation } from "../db/reservation-cache";
import {
  holdOf,
  moveHold,
  NO_HOLD,
  parseReservationId,
  settleRequest,
  type Reservation,
  type SettleReservationInput,
} from "./reservation";

export type SettleResult = {
  reservation: Reservation;
  event: UsageEvent;
  replayed: boolean;
  entitlement: Entitlement;
  capped: boolean;
};

export async function settleReservation(deps: Deps, id: string, input: SettleReservationInput): Promise<SettleResult> {
  // One this process made is not read again: the transaction's condition on its status decides.
  const { customerId, idempotencyKey } = parseReservationId(id);
  const found = cachedReservation(deps.db, customerId, idempotencyKey) ?? (await findReservation(deps, id));
  const state = { reservation: found, source: { cache: true } as { cache: boolean; given?: Wallet } };
  const exhausted = () =>
    new DomainError("CONFLICT", "too much contention on this customer's wallet; retry the settle with the same input");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, () => attempt(deps, input, state));
}

type State = { reservation: Reservation; source: { cache: boolean; given?: Wallet } };

async function attempt(deps: Deps, input: SettleReservationInput, state: State): Promise<SettleResult | Retry> {
  let r = state.reservation;
  const request = settleRequest(r, input);
  // Hashed here only for a replay: a settle's event computes its own (buildEvent).
  if (r.status === "SETTLED") return replayed(deps, r, requestHash(request));
  if (r.status === "RELEASED")
    throw new DomainError(
      "RESERVATION_RELEASED",
      `reservation "${r.idempotencyKey}" was released: its hold is gone; track the usage instead`,
    );
  const { wallet, plan, now, trusted } = await walletForWrite(deps, r.customerId, state.source);
  state.source.given = undefined;
  if (r.walletHeld && r.status === "HELD" && !Object.hasOwn(wallet.holds ?? {}, r.idempotencyKey)) {
    // Its entry is gone: ended by a settle, a release or an expiry. A view from before the reserve
    // may just not have it yet; on a read after it, the item read after that tells which end.
    if (!trusted) return freshRead(state);
    const ended = await reservationAfter(deps, r);
    state.reservation = ended;
    return ended.status === "SETTLED" ? replayed(deps, ended, requestHash(request)) : RETRY_AT_ONCE;
  }
  if (r.status === "HELD" && r.expiresAt <= now.toISOString()) {
    state.reservation = await expireReservation(deps, r, now);
    return RETRY_AT_ONCE;
  }
  const sub = activeSubscription(wallet);
  if (!sub || !plan) {
    if (!trusted) return freshRead(state);
    throw new DomainError("NO_SUBSCRIPTION", `customer "${r.customerId}" has no active subscription`);
  }
  const { charge: actual, timestamp } = await priceRequest(deps, plan, request, sub, now);
  const held: Hold = r.status === "HELD" ? holdOf(r) : NO_HOLD;
  const { charge, capped } = strategyFor(plan.model).settle(wallet, plan, actual, held, inTrial(sub));
  // What the hold kept of grants that expired under it pays first, or goes to nobody (core/wallet.ts).
  const kept = wallet.heldExpired ?? 0n;
  const expired = expiredHeldCredits(wallet, held.credits, charge.credits ?? 0n);
  // The wallet as if the hold were given back: what the charge is taken from, and what it crosses.
  const before = moveHold(wallet, r.feature, held, -1n, charge.credits ?? 0n);
  // Capping is decided on what is available: never on a cached view that may be behind a purchase.
  if (capped && !trusted) return freshRead(state);
  // The event keeps the actual usage's units, also where a trial counted fewer (ConsumptionStrategy.settle).
  const event = buildEvent(
    request,
    { ...charge, quantity: actual.quantity },
    {
      timestamp,
      periodStart: sub.periodStart,
      planCode: plan.code,
      recordedAt: now,
    },
  );
  const after = applyCharge(before, charge);
  const delta = deltaOf([charge]);
  const hold = {
    feature: r.feature,
    quantity: -held.quantity,
    credits: -held.credits,
    amount: -held.amount,
    ...(kept > 0n && held.credits > 0n ? { expired: { seen: kept, heldSeen: wallet.heldCredits, ...expired } } : {}),
    // Its entry leaves the open holds (an expired one's already has).
    ...(r.status === "HELD"
      ? { entry: { key: r.idempotencyKey, map: wallet.holds !== undefined, ...(r.walletHeld ? { exact: true } : {}) } }
      : {}),
  };
  // Thresholds like a track's, on the counters as stored: the charge less the hold given back.
  const alarms = alarmsForWrite(plan, wallet, sub.periodStart, delta, now, {
    ...hold,
    credits: hold.credits + expired.lost,
  });
  const announces = [...alarms.events, ...announcements(plan, before, after, sub.periodStart, now)];
  const settled: Reservation = { ...r, status: "SETTLED", ...(capped ? { capped } : {}) };
  // Settled by the entry, the item is not written: the event keeps `capped` (for a replay's answer).
  const byEntry = r.walletHeld === true && r.status === "HELD";
  const result = await writeSettle(deps.db, {
    reservation: settled,
    from: r.status,
    event: byEntry && capped ? { ...event, capped: true } : event,
    announces,
    update: {
      customerId: r.customerId,
      period: sub,
      delta,
      guards: charge.guards,
      alarms,
      hold,
    },
  });
  if (result.ok) {
    // A settle that gives funds back bumps alarmsRev (core/db/usage-update.ts).
    const fundsBack = delta.credits < held.credits - expired.lost || delta.cost < held.amount;
    const alarmsRev = (wallet.alarmsRev ?? 0) + (fundsBack ? 1 : 0);
    rememberWallet(deps.db, {
      ...withFired(after, alarms),
      version: wallet.version + 1,
      ...(alarmsRev ? { alarmsRev } : {}),
      ...(wallet.holds ? { holds: withoutKey(wallet.holds, r.idempotencyKey) } : {}),
    });
    forgetReservation(deps.db, r);
    if (announces.length) await publish(deps, announces, result.outbox);
    return {
      reservation: settled,
      event,
      replayed: false,
      entitlement: unitEntitlement(after, plan, r.feature),
      capped,
    };
  }
  if ("reservation" in result) {
    r = result.reservation;
    state.reservation = r;
    return RETRY_AT_ONCE;
  }
  if ("duplicate" in result) {
    // Its key's event is there: this settle's, made by a racing request (its entry then is gone),
    // or a track's that took the key (the entry is still there).
    if (!byEntry) throw keyReused(r.idempotencyKey);
    const holds = (await getWallet(deps.db, r.customerId))?.holds;
    if (holds && Object.hasOwn(holds, r.idempotencyKey)) throw keyReused(r.idempotencyKey);
    state.reservation = await reservationAfter(deps, r);
    return RETRY_AT_ONCE;
  }
  if ("wallet" in result) {
    rememberWallet(deps.db, result.wallet);
    state.source.given = result.wallet;
    return trusted ? RETRY : RETRY_AT_ONCE;
  }
  // A transaction conflict: the reservation may have moved too, read it again.
  state.reservation = (await getReservation(deps.db, r.customerId, r.idempotencyKey)) ?? r;
  return RETRY;
}

const withoutKey = (holds: Record<string, string>, key: string) => {
  const { [key]: _gone, ...rest } = holds;
  return rest;
};

/** The next attempt decides on a fresh read of the wallet, not this process's view. */
function freshRead(state: State): Retry {
  state.source.cache = false;
  return RETRY_AT_ONCE;
}

/** The settle's own record is its usage event (the same key): its requestHash tells a replay from a reuse. */
async function replayed(deps: Deps, r: Reservation, hash: string): Promise<SettleResult> {
  const event = await getEvent(deps.db, r.customerId, r.idempotencyKey);
  if (!event) throw new Error(`settled reservation ${r.id} has no event`);
  if (event.requestHash !== hash) throw keyReused(r.idempotencyKey);
  const { wallet, plan } = await currentWallet(deps, r.customerId);
  return {
    reservation: event.capped ? { ...r, capped: true } : r,
    event,
    replayed: true,
    entitlement: unitEntitlement(wallet, plan, r.feature),
    capped: r.capped ?? event.capped ?? false,
  };
}
