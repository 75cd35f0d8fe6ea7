/**
 * A usage event: the audit record of one tracked usage and, by its key, the idempotency record.
 * `requestHash` fingerprints what the client sent, so a replay with the same key can be told
 * apart from a reuse of the key for something else.
 */
import * as crypto from "node:crypto";
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
  /** A reservation's settle that charged less than this usage (core/reservations/settle.ts). */
  capped?: true;
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

/** Node's one-shot hash where it has one (20.12+). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "base64url") => string }).hash;

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
  return oneShot
    ? oneShot("sha256", canonical, "base64url")
    : createHash("sha256").update(canonical).digest("base64url");
}

/**
 * Built member by member, in the order its spreads wrote them (and so the event item's attributes
 * are in the same order): a literal of conditional spreads cost a track more CPU and allocation.
 */
export function buildEvent(
  r: TrackRequest,
  charge: Charge,
  at: { timestamp: Date; periodStart: string; planCode: string; recordedAt: Date },
): UsageEvent {
  const event = {
    idempotencyKey: r.idempotencyKey,
    customerId: r.customerId,
    feature: r.feature,
    value: charge.quantity,
  } as UsageEvent;
  if (r.model) event.model = r.model;
  for (const k of TOKEN_FIELDS) if (r[k] != null) event[k] = r[k];
  if (charge.cost !== undefined) event.cost = charge.cost;
  if (charge.credits !== undefined) event.credits = charge.credits;
  if (charge.ai) event.ai = charge.ai;
  if (r.properties != null) event.properties = r.properties;
  event.timestamp = at.timestamp.toISOString();
  event.periodStart = at.periodStart;
  event.planCode = at.planCode;
  event.requestHash = requestHash(r);
  event.recordedAt = at.recordedAt.toISOString();
  return event;
}

const TOKEN_FIELDS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const;
