/**
 * adjustUsage: a signed correction of this period's usage of one feature (a wrong track, a
 * goodwill refund of units), recorded as a usage event with its reason, so it shows in
 * customer.events beside the tracks it corrects. With a `timestamp` in a period that has ended but
 * is still in its grace for late events (core/periods/grace.ts), it corrects that period instead,
 * as a late track is booked there (./late.ts): priced on its plan against its counters, written to
 * `wallet.ended`, billed by the closing invoice issued at the grace end; before the running period
 * and past any grace it is PERIOD_CLOSED, like a track. The plan's model prices it (core/models/
 * correction.ts): an increase like a track of those units, a decrease giving back their credits or
 * money. It never takes the period's usage (or the credits or money it cost) below zero:
 * BAD_USER_INPUT, nothing written. One transaction with the event as idempotency record, like a
 * track (db/usage-write.ts): the same key and request again answer as before, another request under
 * the key is IDEMPOTENCY_KEY_REUSED.
 */
import { createHash } from "node:crypto";
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError, isDomainError } from "../errors";
import { MAX_EVENT_QUANTITY } from "../bounds";
import { formatDecimal } from "../money";
import { IdSchema, parseInput } from "../validation";
import { applyCharge, belowZero, deltaOf, denial, priceCorrection, type Charge, type FeatureUsage } from "../models";
import { getFeature } from "../features";
import { planFeatureOf, type Plan } from "../plans/plan";
import { inTrial, usedOf, type Wallet } from "../wallet";
import { endedWallet, lateFor, type EndedPeriod } from "../periods/grace";
import { currentWallet } from "./current";
import { MAX_FUTURE_SKEW_MS } from "./price";
import { subscribedPlan } from "./load";
import { writeEnded } from "./ended-write";
import { writeUsage } from "../db/usage-write";
import { rememberWallet } from "../db/wallet-cache";
import { publish } from "../events/publish";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { replayed, replayOr, subscribedFeature, usageOf } from "./feature-write";
import type { UsageEvent } from "./event";
import { refusalMessage } from "./refusals";
import { announcements } from "./track";
import { alarmsForWrite, withFired } from "../alerts/for-write";

const AdjustUsageSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  delta: z.bigint().check(
    z.refine((d) => d !== 0n, "must not be zero"),
    z.refine(
      (d) => (d < 0n ? -d : d) <= MAX_EVENT_QUANTITY,
      `must be at most ${formatDecimal(MAX_EVENT_QUANTITY)} either way`,
    ),
  ),
  reason: z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(500)),
  idempotencyKey: IdSchema,
  /** When the corrected usage happened (default now): it picks the period corrected. */
  timestamp: z.optional(z.nullable(z.date())),
});
export type AdjustUsageInput = z.input<typeof AdjustUsageSchema>;
type Adjustment = z.infer<typeof AdjustUsageSchema>;

export async function adjustUsage(deps: Deps, input: AdjustUsageInput): Promise<FeatureUsage> {
  const request = parseInput(AdjustUsageSchema, input, "");
  const exhausted = () =>
    new DomainError("CONFLICT", "too much contention on this customer's wallet; retry with the same idempotency key");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, () => attempt(deps, request));
}

async function attempt(deps: Deps, r: Adjustment) {
  const asked = { ...r, requestHash: adjustmentHash(r) };
  const at = r.timestamp ?? undefined;
  if (at) {
    // Stamped: an ended period still in its grace is corrected instead (its invoice is not issued yet).
    const { wallet, now } = await currentWallet(deps, r.customerId, { close: true });
    if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS)
      return replayOr(
        deps,
        asked,
        new DomainError("BAD_USER_INPUT", "timestamp lies in the future (beyond 5 minutes of clock skew)"),
      );
    const ended = lateFor(wallet, at, now);
    if (ended) return correctEnded(deps, asked, wallet, ended, now);
  }
  const found = await subscribedFeature(deps, r.customerId, r.feature);
  if (found instanceof DomainError) return replayOr(deps, asked, found);
  const { wallet, plan, sub, now } = found;
  const charge = await correctionOf(deps, plan, r, inTrial(sub));
  if (isDomainError(charge)) return replayOr(deps, asked, charge);
  if (at && at.getTime() < Date.parse(sub.periodStart))
    return replayOr(
      deps,
      asked,
      new DomainError("PERIOD_CLOSED", `timestamp ${at.toISOString()} lies in a billing period that is closed`),
    );
  if (belowZero(wallet, charge)) return replayOr(deps, asked, belowZeroError(wallet, r));
  const reason = denial(wallet, charge);
  if (reason) return replayOr(deps, asked, new DomainError(reason, refusalMessage(reason, r.feature)));
  const time = now.toISOString();
  const event = correctionEvent(asked, charge, sub.periodStart, plan.code, at?.toISOString() ?? time, time);
  const after = applyCharge(wallet, charge);
  const delta = deltaOf([charge]);
  // A correction moves usage like a track: it crosses thresholds and alerts the same way.
  const alarms = alarmsForWrite(plan, wallet, sub.periodStart, delta, now);
  const announces = [...alarms.events, ...announcements(plan, wallet, after, sub.periodStart, now)];
  const result = await writeUsage(deps.db, {
    customerId: r.customerId,
    period: sub,
    events: [event],
    delta,
    guards: charge.guards,
    alarms,
    heldSeen: wallet.heldUsage,
    announces,
  });
  if (result.ok) {
    rememberWallet(deps.db, { ...withFired(after, alarms), version: wallet.version + 1 });
    if (announces.length) await publish(deps, announces, result.outbox);
    return usageOf(after, plan, r.feature);
  }
  if ("duplicates" in result) return replayed(deps, asked, result.duplicates.get(0)!);
  return RETRY; // the wallet changed since the read (a track, a close): decide again on a fresh one
}

/**
 * The correction priced on `plan`, or why it cannot be (a feature not in the plan, a flag, a level,
 * AI pricing); in a free trial an increase meets the trial's limits, as a track would.
 */
async function correctionOf(deps: Deps, plan: Plan, r: Adjustment, trial: boolean): Promise<Charge | DomainError> {
  const feature = planFeatureOf(plan, r.feature);
  if (!feature) {
    await getFeature(deps, r.feature);
    return new DomainError("FEATURE_NOT_IN_PLAN", `plan "${plan.code}" does not include "${r.feature}"`);
  }
  if (feature.kind === "BOOLEAN")
    return new DomainError("BAD_USER_INPUT", `feature "${r.feature}" is an access flag (BOOLEAN): it has no usage`);
  if (feature.kind === "SEATS" || feature.kind === "QUOTA")
    return new DomainError(
      "BAD_USER_INPUT",
      `feature "${r.feature}" is a ${feature.kind} feature: its level is moved with ${feature.kind === "SEATS" ? "setSeats" : "adjustQuota"}`,
    );
  try {
    return priceCorrection(plan, feature, r.delta, { trial });
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
}

type Asked = Adjustment & { requestHash: string };

/**
 * A correction of the ended period in its grace: priced on that period's plan against its own
 * counters (never below zero; an increase beyond its grant refused where a late track would be),
 * written to `wallet.ended` with the event as a late track is (./ended-write.ts), so the invoice
 * issued at the grace end bills the corrected usage. Like a late track it fires no threshold.
 */
async function correctEnded(deps: Deps, r: Asked, wallet: Wallet, ended: EndedPeriod, now: Date) {
  const sub = ended.subscription;
  const plan = await subscribedPlan(deps, sub); // with the add-ons it ran with, as a late track
  const charge = await correctionOf(deps, plan, r, inTrial(sub));
  if (isDomainError(charge)) return replayOr(deps, r, charge);
  const before = endedWallet(wallet.customerId, ended);
  if (belowZero(before, charge)) return replayOr(deps, r, belowZeroError(before, r, "the ended period's"));
  const reason = denial(before, charge);
  if (reason) return replayOr(deps, r, new DomainError(reason, refusalMessage(reason, r.feature)));
  const event = correctionEvent(r, charge, sub.periodStart, plan.code, r.timestamp!.toISOString(), now.toISOString());
  const result = await writeEnded(deps, { wallet, ended, before }, event, charge);
  if (result.ok) return usageOf(result.after, plan, r.feature);
  if ("duplicates" in result) return replayed(deps, r, result.duplicates.get(0)!);
  return RETRY; // the ended period changed (issued, or its counters moved): decide again on a fresh read
}

const belowZeroError = (wallet: Wallet, r: Adjustment, whose = "this period's") =>
  new DomainError(
    "BAD_USER_INPUT",
    `delta ${formatDecimal(r.delta)} would take ${whose} usage of "${r.feature}" below zero (used: ${formatDecimal(usedOf(wallet, r.feature))})`,
  );

function adjustmentHash(r: Adjustment): string {
  // The timestamp only when given, so the requests recorded before it existed still replay.
  const canonical = JSON.stringify([
    "adjustUsage",
    r.customerId,
    r.feature,
    formatDecimal(r.delta),
    r.reason,
    ...(r.timestamp ? [r.timestamp.toISOString()] : []),
  ]);
  return createHash("sha256").update(canonical).digest("base64url");
}

/** The correction's usage event (its idempotency record), in the period it corrects. */
function correctionEvent(
  r: Asked,
  charge: Charge,
  periodStart: string,
  planCode: string,
  timestamp: string,
  recordedAt: string,
): UsageEvent {
  return {
    idempotencyKey: r.idempotencyKey,
    customerId: r.customerId,
    feature: r.feature,
    value: charge.quantity,
    ...(charge.cost !== undefined ? { cost: charge.cost } : {}),
    ...(charge.credits !== undefined ? { credits: charge.credits } : {}),
    reason: r.reason,
    timestamp,
    periodStart,
    planCode,
    requestHash: r.requestHash,
    recordedAt,
  };
}
