/**
 * A usage event: the audit record of one tracked usage and, by its key, the idempotency record.
 * `requestHash` fingerprints what the client sent, so a replay with the same key can be told
 * apart from a reuse of the key for something else.
 */
import { createHash } from "node:crypto";
import type { Amount } from "../money";
import { formatDecimal, SCALE } from "../money";
import type { AiPricing, Charge } from "../models/types";
import { canonicalJson } from "../canonical-json";

export type UsageEvent = {
  idempotencyKey: string;
  customerId: string;
  feature: string;
  value: Amount;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  cost?: Amount;
  credits?: Amount;
  ai?: AiPricing;
  properties?: unknown;
  /** An adjustUsage correction: why it was made (its value is signed). */
  reason?: string;
  /** setSeats / adjustQuota: the level after it (its value is the signed change; core/levels). */
  level?: Amount;
  timestamp: string;
  periodStart: string;
  planCode: string;
  requestHash: string;
  recordedAt: string;
};

export type TrackRequest = {
  customerId: string;
  feature: string;
  idempotencyKey: string;
  value?: Amount | null;
  model?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
  timestamp?: Date | null;
  properties?: unknown;
};

export function requestHash(r: TrackRequest): string {
  const canonical = JSON.stringify([
    r.customerId,
    r.feature,
    formatDecimal(r.value ?? SCALE), // an omitted value means 1: the same request as an explicit 1
    r.model ?? null,
    r.inputTokens ?? null,
    r.outputTokens ?? null,
    r.cacheReadTokens ?? null,
    r.cacheWriteTokens ?? null,
    r.timestamp ? r.timestamp.toISOString() : null,
    canonicalJson(r.properties ?? null),
  ]);
  return createHash("sha256").update(canonical).digest("base64url");
}

export function buildEvent(
  r: TrackRequest,
  charge: Charge,
  at: { timestamp: Date; periodStart: string; planCode: string; recordedAt: Date },
): UsageEvent {
  const tokens = (["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const).filter(
    (k) => r[k] != null,
  );
  return {
    idempotencyKey: r.idempotencyKey,
    customerId: r.customerId,
    feature: r.feature,
    value: charge.quantity,
    ...(r.model ? { model: r.model } : {}),
    ...Object.fromEntries(tokens.map((k) => [k, r[k]])),
    ...(charge.cost !== undefined ? { cost: charge.cost } : {}),
    ...(charge.credits !== undefined ? { credits: charge.credits } : {}),
    ...(charge.ai ? { ai: charge.ai } : {}),
    ...(r.properties != null ? { properties: r.properties } : {}),
    timestamp: at.timestamp.toISOString(),
    periodStart: at.periodStart,
    planCode: at.planCode,
    requestHash: requestHash(r),
    recordedAt: at.recordedAt.toISOString(),
  };
}
