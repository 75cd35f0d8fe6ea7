/**
 * trackUsage: load -> price (pure) -> one transaction that writes the event (the idempotency
 * record) and the wallet together. Refusals write nothing. A replay of a key with the same request
 * returns the stored event; with another request it is IDEMPOTENCY_KEY_REUSED. When the wallet
 * changed under us (a close, a plan change) the whole step is retried on a fresh read, a bounded
 * number of times.
 *
 * Steady state: no read. The wallet is this process's cached view (db/wallet-cache.ts); the
 * transaction's conditions (status, plan, period, guards) are authoritative for accepting, and a
 * failed condition returns the real wallet to decide again on. Refusals are never decided on the
 * cached view alone: they are re-decided on a fresh read. The entitlement in the payload is the
 * wallet as of this process's last view plus this event (other processes' writes since are not in it).
 */
import type { BillingEvent, Deps } from "../deps";
import { DomainError, isDomainError } from "../errors";
import { applyCharge, beyondBounds, deltaOf, denial, strategyFor, type Charge, type GuardDenial } from "../models";
import { unitEntitlement, type Entitlement } from "../entitlements";
import { getEvent } from "../db/events";
import { writeUsage } from "../db/usage-write";
import { activeSubscription, holdsDue, type Subscription, type Wallet } from "../wallet";
import type { Plan } from "../plans/plan";
import { balanceNegative, creditsDepleted } from "../events";
import { publish } from "../events/publish";
import { CONFLICT_ATTEMPTS, RETRY, RETRY_AT_ONCE, withRetries, type Retry } from "../retry";
import { buildEvent, requestHash, type TrackRequest, type UsageEvent } from "./event";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { priceRequest } from "./price";
import { currentWallet, walletForWrite } from "./current";
import { rememberWallet } from "../db/wallet-cache";
import { keyReused, refusalMessage } from "./refusals";
import { alarmsForWrite, withFired } from "../alerts/for-write";
import { lateFor } from "../periods/grace";
import { trackLate } from "./late";

export type TrackResult = { event: UsageEvent; replayed: boolean; entitlement: Entitlement };

/** The wallet the next attempt prices against: the cached view or a fresh read, or the one a failed condition returned. */
type WalletSource = { cache: boolean; given?: Wallet };

export async function trackUsage(deps: Deps, input: TrackUsageInput): Promise<TrackResult> {
  const request = parseTrackRequest(input);
  const source: WalletSource = { cache: true };
  const exhausted = () =>
    new DomainError("CONFLICT", "too much contention on this customer's wallet; retry with the same idempotency key");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, () => attempt(deps, request, source));
}

async function attempt(deps: Deps, request: TrackRequest, source: WalletSource): Promise<TrackResult | Retry> {
  // Steady state: this process's cached wallet, no read (see walletForWrite); else a fresh read.
  const { wallet, plan, now, trusted } = await walletForWrite(deps, request.customerId, source);
  source.given = undefined;
  // A refusal is only ever decided on a trusted wallet: one judged on a cached view is re-decided
  // on a fresh read. A refusal answers a replay of an accepted key first (replayOr).
  const refuse = (error: DomainError) => {
    if (trusted) return replayOr(deps, request, error);
    source.cache = false;
    return RETRY_AT_ONCE;
  };
  // Timestamped in an ended period still in its grace: booked into it (./late.ts).
  const ended = request.timestamp ? lateFor(wallet, request.timestamp, now) : undefined;
  if (ended) {
    const late = { trusted, refuse, replayed: (e: UsageEvent) => replayed(deps, request, e), source };
    return trackLate(deps, request, { wallet, ended, ...(plan ? { plan } : {}), now }, late);
  }
  const sub = activeSubscription(wallet);
  if (!sub || !plan)
    return refuse(new DomainError("NO_SUBSCRIPTION", `customer "${request.customerId}" has no active subscription`));
  const priced = await priceRequest(deps, plan, request, sub, now).catch((e: unknown) =>
    isDomainError(e) ? e : Promise.reject(e),
  );
  if (isDomainError(priced)) return refuse(priced);
  const { charge, timestamp } = priced;
  const reason = denial(wallet, charge);
  if (reason) return refuse(refusal(reason, request, wallet, charge));

  const event = buildEvent(request, charge, {
    timestamp,
    periodStart: sub.periodStart,
    planCode: plan.code,
    recordedAt: now,
  });
  const after = applyCharge(wallet, charge);
  const delta = deltaOf([charge]);
  // Thresholds: decided on this view, made exact by the write's conditions (core/alerts/crossing.ts).
  const alarms = alarmsForWrite(plan, wallet, sub.periodStart, delta, now);
  // On a cached view the write also asserts that it depletes nothing (so no depletion event can
  // be missed); on a fresh one, the depletions it causes go into the outbox in the same transaction.
  // Threshold events first: their ids are unique, so they name the outbox item.
  const announces = [...alarms.events, ...(trusted ? announcements(plan, wallet, after, sub.periodStart, now) : [])];
  const result = await writeUsage(deps.db, {
    customerId: request.customerId,
    period: sub,
    events: [event],
    delta,
    guards: charge.guards,
    noDepletion: !trusted,
    alarms,
    announces,
  });
  if (result.ok) {
    rememberWallet(deps.db, { ...withFired(after, alarms), version: wallet.version + 1 });
    if (announces.length) await publish(deps, announces, result.outbox);
    // The payload's numbers: as of this process's last view of the wallet plus this event.
    return { event, replayed: false, entitlement: unitEntitlement(after, plan, request.feature) };
  }
  if ("duplicates" in result) return replayed(deps, request, result.duplicates.get(0)!);
  if (!("wallet" in result)) return RETRY; // a transaction conflict
  // The failed condition returned the wallet as it is: decide again on it, without a read.
  rememberWallet(deps.db, result.wallet);
  // A wallet with expired holds is not final: the next attempt gives them back first (walletForWrite).
  const why = samePeriod(result.wallet, sub) && !holdsDue(result.wallet, now) ? denial(result.wallet, charge) : null;
  if (why) return replayOr(deps, request, refusal(why, request, result.wallet, charge));
  source.given = result.wallet;
  return trusted ? RETRY : RETRY_AT_ONCE; // a stale view is not contention: no need to wait
}

const samePeriod = (wallet: Wallet, sub: Subscription) => {
  const now = wallet.subscription;
  return now?.status === "ACTIVE" && now.periodStart === sub.periodStart && now.planCode === sub.planCode;
};

const refusal = (reason: GuardDenial, request: TrackRequest, wallet: Wallet, charge: Charge) =>
  new DomainError(reason, refusalMessage(reason, request.feature, beyondBounds(wallet, charge)));

/**
 * What this write crossed (credits running out, a balance turning negative: the plan's model
 * decides), as events. Judged from this write's own view of the wallet; ids are per customer and
 * period, so duplicates from racing writes collapse.
 */
export function announcements(
  plan: Plan,
  before: Wallet,
  after: Wallet,
  periodStart: string,
  now: Date,
): BillingEvent[] {
  const time = now.toISOString();
  return strategyFor(plan.model)
    .crossings(before, after)
    .map((c) =>
      c.kind === "CREDITS_DEPLETED"
        ? creditsDepleted(before.customerId, periodStart, time)
        : balanceNegative(before.customerId, periodStart, time, c.balance),
    );
}

/** A refusal is first checked against a stored event: a replay of an accepted key still answers. */
async function replayOr(deps: Deps, request: TrackRequest, error: DomainError): Promise<TrackResult> {
  const existing = await getEvent(deps.db, request.customerId, request.idempotencyKey);
  if (existing) return replayed(deps, request, existing);
  throw error;
}

async function replayed(deps: Deps, request: TrackRequest, existing: UsageEvent): Promise<TrackResult> {
  if (existing.requestHash !== requestHash(request)) throw keyReused(request.idempotencyKey);
  const { wallet, plan } = await currentWallet(deps, request.customerId);
  return { event: existing, replayed: true, entitlement: unitEntitlement(wallet, plan, existing.feature) };
}
