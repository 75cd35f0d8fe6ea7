/**
 * Standard Webhooks signing (spec 1.0.0): the signed content is `<webhook-id>.<webhook-timestamp>.<body>`,
 * the signature `v1,` + base64 of its HMAC-SHA256 under the secret's key; during a rotation each
 * valid secret signs and the signatures are space-separated, so a receiver holding either secret
 * verifies. The body is `{ id, type, version, createdAt, data }`; `webhook-id` is the event id,
 * the same on every attempt, and receivers deduplicate on it.
 */
import { createHmac } from "node:crypto";
import type { BillingEvent } from "../deps";
import { secretKey } from "./secrets";

export function webhookBody(event: BillingEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    version: event.version,
    createdAt: event.time,
    data: event.detail,
  });
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** The headers of one attempt; `timestamp` is real Unix seconds (receivers compare it with their clock). */
export function webhookHeaders(id: string, timestamp: number, body: string, secrets: string[]): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => signature(s, id, timestamp, body)).join(" "),
  };
}
