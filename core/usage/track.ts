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
import type { Deps } from "../deps";
import { DomainError, isDomainError } from "../errors";
import { applyCharge, beyondBounds, denial, strategyFor } from "../models";
import type { Charge } from "../models/types";
import { evaluateEntitlement, type Entitlement } from "../entitlements";
import { writeUsage, getEvent } from "../db/events";
import type { WalletDelta } from "../db/wallets";
import { activeSubscription, type Wallet } from "../wallet";
import type { Plan } from "../plans/plan";
import type { BillingEvent } from "../deps";
import { balanceNegative, creditsDepleted } from "../events";
import { publish } from "../events/publish";
import { buildEvent, requestHash, type UsageEvent } from "./event";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { priceRequest } from "./price";
import { currentWallet, walletForWrite } from "./current";
import { rememberWallet } from "../db/wallet-cache";
import { backoff, MAX_ATTEMPTS } from "./retry";

export type TrackResult = { event: UsageEvent; replayed: boolean; entitlement: Entitlement };

export async function trackUsage(deps: Deps, input: TrackUsageInput): Promise<TrackResult> {
  const request = parseTrackRequest(input);
  let cache = true;
  let given: Wallet | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Steady state: this process's cached wallet, no read (see walletForWrite); else a fresh read.
    const { wallet, plan, now, trusted } = await walletForWrite(deps, request.customerId, {
      cache,
      ...(given ? { given } : {}),
    });
    given = undefined;
    // A refusal is only ever decided on a trusted wallet: one judged on a cached view is re-decided
    // on a fresh read. A refusal answers a replay of an accepted key first (replayOr).
    const sub = activeSubscription(wallet);
    if (!sub || !plan) {
      if (!trusted) {
        cache = false;
        continue;
      }
      return replayOr(
        deps,
        request,
        new DomainError("NO_SUBSCRIPTION", `customer "${request.customerId}" has no active subscription`),
      );
    }
    const priced = await priceRequest(deps, plan, request, sub, now).catch((e: unknown) =>
      isDomainError(e) ? e : Promise.reject(e),
    );
    if (isDomainError(priced)) {
      if (!trusted) {
        cache = false;
        continue;
      }
      return replayOr(deps, request, priced);
    }
    const { charge, timestamp } = priced;
    const reason = denial(wallet, charge);
    if (reason) {
      if (!trusted) {
        cache = false;
        continue;
      }
      const message = refusalMessage(reason, request.feature, beyondBounds(wallet, charge));
      return replayOr(deps, request, new DomainError(reason, message));
    }

    const event = buildEvent(request, charge, {
      timestamp,
      periodStart: sub.periodStart,
      planCode: plan.code,
      recordedAt: now,
    });
    const after = applyCharge(wallet, charge);
    // On a cached view the write also asserts that it depletes nothing (so no depletion event can
    // be missed); on a fresh one, the depletions it causes go into the outbox in the same transaction.
    const announces = trusted ? announcements(plan, wallet, after, sub.periodStart, now) : [];
    const result = await writeUsage(
      deps.db,
      request.customerId,
      sub,
      [event],
      deltaOf([charge]),
      charge.guards,
      !trusted,
      announces,
    );
    if (result.ok) {
      rememberWallet(deps.db, { ...after, version: wallet.version + 1 });
      if (announces.length) await publish(deps, announces, result.outbox);
      // The payload's numbers: as of this process's last view of the wallet plus this event.
      return { event, replayed: false, entitlement: evaluateEntitlement(after, plan, request.feature, 10n ** 12n) };
    }
    if ("duplicates" in result) return replayed(deps, request, result.duplicates.get(0)!);
    if ("wallet" in result) {
      // The failed condition returned the wallet as it is: decide again on it, without a read.
      rememberWallet(deps.db, result.wallet);
      const now = result.wallet.subscription;
      const samePeriod =
        now?.status === "ACTIVE" && now.periodStart === sub.periodStart && now.planCode === sub.planCode;
      const why = samePeriod ? denial(result.wallet, charge) : null;
      if (why) {
        const message = refusalMessage(why, request.feature, beyondBounds(result.wallet, charge));
        return replayOr(deps, request, new DomainError(why, message));
      }
      given = result.wallet;
      if (!trusted) continue; // a stale view, not contention: no need to wait
    }
    await backoff(attempt);
  }
  throw new DomainError(
    "CONFLICT",
    "too much contention on this customer's wallet; retry with the same idempotency key",
  );
}

/**
 * What this write crossed (credits running out, a balance turning negative: the plan's model
 * decides), as events. Judged from this write's own view of the wallet; ids are per customer and
 * period, so duplicates from racing writes collapse.
 */
function announcements(plan: Plan, before: Wallet, after: Wallet, periodStart: string, now: Date): BillingEvent[] {
  const time = now.toISOString();
  return strategyFor(plan.model)
    .crossings(before, after)
    .map((c) =>
      c.kind === "CREDITS_DEPLETED"
        ? creditsDepleted(before.customerId, periodStart, time)
        : balanceNegative(before.customerId, periodStart, time, c.balance),
    );
}

/** The sum of accepted charges, as one wallet delta. */
export function deltaOf(charges: Charge[]): WalletDelta {
  const delta: WalletDelta = { usage: {}, featureCost: {}, featureCredits: {}, credits: 0n, cost: 0n };
  for (const c of charges) {
    delta.usage[c.feature] = (delta.usage[c.feature] ?? 0n) + c.quantity;
    if (c.cost !== undefined) delta.featureCost[c.feature] = (delta.featureCost[c.feature] ?? 0n) + c.cost;
    if (c.credits !== undefined) delta.featureCredits[c.feature] = (delta.featureCredits[c.feature] ?? 0n) + c.credits;
    delta.credits += c.credits ?? 0n;
    delta.cost += c.cost ?? 0n;
  }
  return delta;
}

/** A refusal is first checked against a stored event: a replay of an accepted key still answers. */
async function replayOr(
  deps: Deps,
  request: ReturnType<typeof parseTrackRequest>,
  error: DomainError,
): Promise<TrackResult> {
  const existing = await getEvent(deps.db, request.customerId, request.idempotencyKey);
  if (existing) return replayed(deps, request, existing);
  throw error;
}

async function replayed(
  deps: Deps,
  request: ReturnType<typeof parseTrackRequest>,
  existing: UsageEvent,
): Promise<TrackResult> {
  if (existing.requestHash !== requestHash(request)) throw keyReused(request.idempotencyKey);
  const { wallet, plan } = await currentWallet(deps, request.customerId);
  return {
    event: existing,
    replayed: true,
    entitlement: evaluateEntitlement(wallet, plan, existing.feature, 10n ** 12n),
  };
}

export const keyReused = (idempotencyKey: string) =>
  new DomainError("IDEMPOTENCY_KEY_REUSED", `idempotency key "${idempotencyKey}" was used for a different request`);

/** `beyondBounds`: refused by core/bounds.ts's ceilings rather than the plan's own rules. */
export function refusalMessage(reason: string, feature: string, beyondBounds = false): string {
  if (beyondBounds) {
    return `"${feature}" would take this period's usage, overage or spend beyond 10^18, the most one billing period holds`;
  }
  switch (reason) {
    case "INSUFFICIENT_CREDITS":
      return `not enough credits for "${feature}"`;
    case "INSUFFICIENT_BALANCE":
      return `not enough balance for "${feature}"`;
    case "LIMIT_REACHED":
      return `the usage limit of "${feature}" would be exceeded`;
    default:
      return reason;
  }
}
