/**
 * Late usage: a track timestamped in a period that has ended but is still in its grace period
 * (BILLING_GRACE_PERIOD, core/periods/grace.ts) is booked into that period, so its closing invoice
 * bills it. It is priced on the ended period's plan against the ended period's counters (what its
 * own grant had left; purchased pools are not drawn: see grace.ts) and written as one transaction
 * of the event and the wallet's `ended` counters (./ended-write.ts), conditioned on the
 * ended period still being open. A late event crosses no threshold and depletes nothing the
 * customer can spend now, so it announces nothing. The answer's entitlement is the customer's now,
 * which a late event does not change.
 */
import type { Deps } from "../deps";
import { DomainError, isDomainError } from "../errors";
import { beyondBounds, denial } from "../models";
import { unitEntitlement } from "../entitlements";
import { rememberWallet } from "../db/wallet-cache";
import type { Plan } from "../plans/plan";
import type { Wallet } from "../wallet";
import { endedWallet, type EndedPeriod } from "../periods/grace";
import { RETRY, RETRY_AT_ONCE, type Retry } from "../retry";
import { buildEvent, type TrackRequest, type UsageEvent } from "./event";
import { subscribedPlan } from "./load";
import { writeEnded } from "./ended-write";
import { priceRequest } from "./price";
import { refusalMessage } from "./refusals";
import type { TrackResult } from "./track";

/** How the track that found the event late answers: its refusal and replay rules, and where its next attempt reads. */
export type LateContext = {
  trusted: boolean;
  refuse: (error: DomainError) => Promise<TrackResult> | Retry;
  replayed: (existing: UsageEvent) => Promise<TrackResult>;
  source: { given?: Wallet };
};

export async function trackLate(
  deps: Deps,
  request: TrackRequest,
  at: { wallet: Wallet; ended: EndedPeriod; plan?: Plan; now: Date },
  ctx: LateContext,
): Promise<TrackResult | Retry> {
  const { wallet, ended, now } = at;
  const sub = ended.subscription;
  // The ended period's plan with the add-ons it ran with (its included units: core/add-ons).
  const plan = await subscribedPlan(deps, sub);
  const priced = await priceRequest(deps, plan, request, sub, now).catch((e: unknown) =>
    isDomainError(e) ? e : Promise.reject(e),
  );
  if (isDomainError(priced)) return ctx.refuse(priced);
  const { charge, timestamp } = priced;
  const before = endedWallet(wallet.customerId, ended);
  const reason = denial(before, charge);
  if (reason)
    return ctx.refuse(new DomainError(reason, refusalMessage(reason, request.feature, beyondBounds(before, charge))));
  const event = buildEvent(request, charge, {
    timestamp,
    periodStart: sub.periodStart,
    planCode: plan.code,
    recordedAt: now,
  });
  const result = await writeEnded(deps, { wallet, ended, before }, event, charge);
  if (result.ok) return { event, replayed: false, entitlement: unitEntitlement(wallet, at.plan, request.feature) };
  if ("duplicates" in result) return ctx.replayed(result.duplicates.get(0)!);
  if (!("wallet" in result)) return RETRY;
  // The ended period changed (issued, or its counters moved): decide again on the wallet as it is.
  rememberWallet(deps.db, result.wallet);
  ctx.source.given = result.wallet;
  return ctx.trusted ? RETRY : RETRY_AT_ONCE;
}
