/**
 * adjustUsage: a signed correction of this period's usage of one feature (a wrong track, a
 * goodwill refund of units), recorded as a usage event with its reason, so it shows in
 * customer.events beside the tracks it corrects. The plan's model prices it (core/models/
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
import { applyCharge, belowZero, deltaOf, denial, priceCorrection, type FeatureUsage } from "../models";
import { inTrial, usedOf, type Wallet } from "../wallet";
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
  const found = await subscribedFeature(deps, r.customerId, r.feature);
  if (found instanceof DomainError) return replayOr(deps, asked, found);
  const { wallet, plan, sub, feature, now } = found;
  if (feature.kind === "BOOLEAN")
    return replayOr(
      deps,
      asked,
      new DomainError("BAD_USER_INPUT", `feature "${r.feature}" is an access flag (BOOLEAN): it has no usage`),
    );
  if (feature.kind === "SEATS" || feature.kind === "QUOTA")
    return replayOr(
      deps,
      asked,
      new DomainError(
        "BAD_USER_INPUT",
        `feature "${r.feature}" is a ${feature.kind} feature: its level is moved with ${feature.kind === "SEATS" ? "setSeats" : "adjustQuota"}`,
      ),
    );
  const charge = (() => {
    try {
      return priceCorrection(plan, feature, r.delta, { trial: inTrial(sub) });
    } catch (error) {
      if (isDomainError(error)) return error;
      throw error;
    }
  })();
  if (isDomainError(charge)) return replayOr(deps, asked, charge);
  if (belowZero(wallet, charge)) return replayOr(deps, asked, belowZeroError(wallet, r));
  const reason = denial(wallet, charge);
  if (reason) return replayOr(deps, asked, new DomainError(reason, refusalMessage(reason, r.feature)));
  const time = now.toISOString();
  const event: UsageEvent = {
    idempotencyKey: r.idempotencyKey,
    customerId: r.customerId,
    feature: r.feature,
    value: charge.quantity,
    ...(charge.cost !== undefined ? { cost: charge.cost } : {}),
    ...(charge.credits !== undefined ? { credits: charge.credits } : {}),
    reason: r.reason,
    timestamp: time,
    periodStart: sub.periodStart,
    planCode: plan.code,
    requestHash: asked.requestHash,
    recordedAt: time,
  };
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

const belowZeroError = (wallet: Wallet, r: Adjustment) =>
  new DomainError(
    "BAD_USER_INPUT",
    `delta ${formatDecimal(r.delta)} would take this period's usage of "${r.feature}" below zero (used: ${formatDecimal(usedOf(wallet, r.feature))})`,
  );

function adjustmentHash(r: Adjustment): string {
  const canonical = JSON.stringify(["adjustUsage", r.customerId, r.feature, formatDecimal(r.delta), r.reason]);
  return createHash("sha256").update(canonical).digest("base64url");
}
