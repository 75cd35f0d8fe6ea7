/**
 * reserveUsage: load -> price like a track at this instant (pure) -> one transaction that writes the
 * reservation (the idempotency record of its key) and moves the charge from available to held.
 * CREDITS and blocking BALANCE plans refuse what is not available (their guards); a METERED hard
 * limit counts holds (they add to the counter its condition checks); non-blocking BALANCE and
 * METERED without a limit never refuse. Reserving again with the same key returns the same
 * reservation; with another request it is IDEMPOTENCY_KEY_REUSED.
 */
import type { Deps } from "../deps";
import { DomainError, isDomainError } from "../errors";
import { beyondBounds, denial, type Charge, type GuardDenial } from "../models";
import { writeReserve, getReservation } from "../db/reservations";
import { reservationAsIs } from "./release";
import { rememberWallet } from "../db/wallet-cache";
import { rememberReservation } from "../db/reservation-cache";
import { alarmsForWrite, withFired } from "../alerts/for-write";
import { publish } from "../events/publish";
import type { WalletDelta } from "../models/types";
import { CONFLICT_ATTEMPTS, RETRY, RETRY_AT_ONCE, withRetries, type Retry } from "../retry";
import { priceRequest } from "../usage/price";
import { walletForWrite } from "../usage/current";
import { keyReused, refusalMessage } from "../usage/refusals";
import { activeSubscription, MAX_OPEN_HOLDS, type Wallet } from "../wallet";
import {
  holdOf,
  moveHold,
  parseReserveRequest,
  reservationId,
  type ReserveRequest,
  type ReserveUsageInput,
  type Reservation,
} from "./reservation";

const NOTHING: WalletDelta = { usage: {}, featureCost: {}, featureCredits: {}, credits: 0n, cost: 0n };

export async function reserveUsage(deps: Deps, input: ReserveUsageInput): Promise<Reservation> {
  const request = parseReserveRequest(input);
  const source: { cache: boolean; given?: Wallet } = { cache: true };
  const exhausted = () =>
    new DomainError("CONFLICT", "too much contention on this customer's wallet; retry with the same idempotency key");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, () => attempt(deps, request, source));
}

async function attempt(
  deps: Deps,
  request: ReserveRequest,
  source: { cache: boolean; given?: Wallet },
): Promise<Reservation | Retry> {
  const { usage } = request;
  const { wallet, plan, now, trusted } = await walletForWrite(deps, usage.customerId, source);
  source.given = undefined;
  // As for a track: a refusal is decided on a trusted wallet only, and answers a replay first.
  const refuse = (error: DomainError) => {
    if (trusted) return replayOr(deps, request, error);
    source.cache = false;
    return RETRY_AT_ONCE;
  };
  const sub = activeSubscription(wallet);
  if (!sub || !plan)
    return refuse(new DomainError("NO_SUBSCRIPTION", `customer "${usage.customerId}" has no active subscription`));
  const priced = await priceRequest(deps, plan, usage, sub, now).catch((e: unknown) =>
    isDomainError(e) ? e : Promise.reject(e),
  );
  if (isDomainError(priced)) return refuse(priced);
  const { charge } = priced;
  const reason = denial(wallet, charge);
  if (reason) return refuse(refusal(reason, usage.feature, wallet, charge));

  // A bounded wallet item (core/wallet.ts MAX_OPEN_HOLDS): the write's condition makes it exact.
  if (Object.keys(wallet.holds ?? {}).length >= MAX_OPEN_HOLDS)
    return refuse(
      new DomainError(
        "LIMIT_REACHED",
        `customer "${usage.customerId}" has ${MAX_OPEN_HOLDS} open reservations, the most it may hold: settle or release some first`,
      ),
    );
  const reservation = newReservation(request, charge, now);
  const hold = {
    feature: charge.feature,
    quantity: charge.quantity,
    credits: charge.credits ?? 0n,
    amount: charge.cost ?? 0n,
  };
  // A hold reaches thresholds like usage (they watch the counters as stored, holds included: a
  // hard limit counts them too), decided on this view and made exact by the write's conditions.
  const alarms = alarmsForWrite(plan, wallet, sub.periodStart, NOTHING, now, hold);
  const update = {
    customerId: usage.customerId,
    period: sub,
    delta: NOTHING,
    guards: charge.guards,
    alarms,
    hold: {
      ...hold,
      due: { at: reservation.expiresAt, ...(wallet.holdsDueAt ? { seen: wallet.holdsDueAt } : {}) },
      entry: { key: usage.idempotencyKey, map: wallet.holds !== undefined },
    },
  };
  const result = await writeReserve(deps.db, reservation, update, alarms.events);
  if (result.ok) {
    if (alarms.events.length) await publish(deps, alarms.events, result.outbox);
    const after = withFired(moveHold(wallet, charge.feature, holdOf(reservation), 1n), alarms);
    const dueAt =
      wallet.holdsDueAt && wallet.holdsDueAt < reservation.expiresAt ? wallet.holdsDueAt : reservation.expiresAt;
    rememberWallet(deps.db, {
      ...after,
      version: wallet.version + 1,
      holdsMade: wallet.holdsMade + 1,
      holdsDueAt: dueAt,
      holds: { ...wallet.holds, [usage.idempotencyKey]: reservation.expiresAt },
    });
    rememberReservation(deps.db, reservation);
    return reservation;
  }
  if ("existing" in result) return replayed(deps, request, result.existing);
  if (!("wallet" in result)) return RETRY;
  rememberWallet(deps.db, result.wallet);
  source.given = result.wallet;
  return trusted ? RETRY : RETRY_AT_ONCE;
}

function newReservation(request: ReserveRequest, charge: Charge, now: Date): Reservation {
  const u = request.usage;
  const tokens = (["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const).filter(
    (k) => u[k] != null,
  );
  return {
    id: reservationId(u.customerId, u.idempotencyKey),
    customerId: u.customerId,
    feature: u.feature,
    idempotencyKey: u.idempotencyKey,
    status: "HELD",
    value: charge.quantity,
    ...(charge.credits !== undefined ? { credits: charge.credits } : {}),
    ...(charge.cost !== undefined ? { amount: charge.cost } : {}),
    ...(u.model ? { model: u.model } : {}),
    ...Object.fromEntries(tokens.map((k) => [k, u[k]])),
    expiresAt: new Date(now.getTime() + request.ttlSeconds * 1000).toISOString(),
    createdAt: now.toISOString(),
    requestHash: request.hash,
    // Its hold is an entry of the wallet's open holds (the write sets it): open while it is there.
    walletHeld: true,
  };
}

const refusal = (reason: GuardDenial, feature: string, wallet: Wallet, charge: Charge) =>
  new DomainError(reason, refusalMessage(reason, feature, beyondBounds(wallet, charge)));

async function replayOr(deps: Deps, request: ReserveRequest, error: DomainError): Promise<Reservation> {
  const existing = await getReservation(deps.db, request.usage.customerId, request.usage.idempotencyKey);
  if (existing) return replayed(deps, request, existing);
  throw error;
}

/** The same reservation, as it is now (a settle may have left its stored status: ./release.ts). */
async function replayed(deps: Deps, request: ReserveRequest, existing: Reservation): Promise<Reservation> {
  if (existing.requestHash !== request.hash) throw keyReused(request.usage.idempotencyKey);
  return reservationAsIs(deps, existing);
}
