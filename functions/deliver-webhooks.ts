/**
 * The webhook delivery Lambda, with two triggers:
 *
 * - the WebhookEvents SQS queue, which an EventBridge rule feeds with every business event of the
 *   bus: each message's event is fanned out to the subscribed endpoints (core/webhooks/fan-out.ts)
 *   and their first attempts are sent. A message whose fan-out failed (a database error, a
 *   malformed message) is reported in `batchItemFailures` alone, so SQS retries only it and, after
 *   5 receives, moves it to the dead-letter queue (an alarm watches it). Failed HTTP attempts are
 *   not message failures: the delivery is already recorded, with its retry due in the table.
 * - a schedule every minute: the due pass (core/webhooks/pass.ts) sends the retries that are due,
 *   by the stage's clock (test stages follow advanceClock).
 *
 * Endpoint secrets are opened with a key derived from the SigningSecret (linked, or read from SSM
 * at cold start); the function needs no API key.
 */
import { EVENT_SOURCE } from "../core/events/billing-event";
import type { BillingEvent } from "../core/deps";
import { attemptFannedOut } from "../core/webhooks/attempt";
import { type WebhookDeps, webhookDeps } from "../core/webhooks/deps";
import { type FannedOut, fanOut } from "../core/webhooks/fan-out";
import { deliverDue } from "../core/webhooks/pass";
import { listEndpoints } from "../core/db/webhook-endpoints";
import { loadConfig, withSecureParameters } from "./config";
import { depsFromConfig } from "./deps";

/** The parts of the events this handler reads: an SQS batch, or an EventBridge scheduled event. */
export type SqsEvent = { Records: { messageId: string; body: string }[] };
export type ScheduledEvent = { id?: string; time?: string; "detail-type"?: string; source?: string };
export type LambdaContext = { getRemainingTimeInMillis?: () => number };
export type SqsBatchResponse = { batchItemFailures: { itemIdentifier: string }[] };

const SAFETY_MARGIN_MS = 10_000;
const DEFAULT_BUDGET_MS = 50_000;

const config = loadConfig(await withSecureParameters());
const deps = depsFromConfig(config);
let webhooks: WebhookDeps | undefined;
/** Built on first use: reading the signing secret is what fails when it is missing. */
const webhookDepsOnce = () => (webhooks ??= webhookDeps(deps, config.signingSecret!));

export async function handler(event: SqsEvent | ScheduledEvent, context?: LambdaContext) {
  if ("Records" in event) return deliverMessages(webhookDepsOnce(), event);
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MARGIN_MS;
  const result = await deliverDue(webhookDepsOnce(), { budgetMs: Math.max(1_000, remaining - SAFETY_MARGIN_MS) });
  console.log(JSON.stringify({ event: "deliver-webhooks", trigger: event.id ?? null, ...result }));
  return result;
}

/** Fans out each message's event, then sends the first attempts; reports only messages whose fan-out failed. */
export async function deliverMessages(deps: WebhookDeps, event: SqsEvent): Promise<SqsBatchResponse> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const endpoints = await listEndpoints(deps.db);
  const deliveries: FannedOut[] = [];
  for (const record of event.Records) {
    try {
      deliveries.push(...(await fanOut(deps, [eventFromBus(record.body)], endpoints)));
    } catch (error) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      console.error(
        JSON.stringify({
          level: "error",
          msg: "webhook fan-out failed",
          messageId: record.messageId,
          error: String(error),
        }),
      );
    }
  }
  const outcomes = await Promise.all(deliveries.map((fanned) => attemptFannedOut(deps, fanned)));
  console.log(
    JSON.stringify({
      event: "deliver-webhooks",
      messages: event.Records.length,
      failedMessages: batchItemFailures.length,
      deliveries: deliveries.length,
      delivered: outcomes.filter((o) => o?.kind === "sent" && o.succeeded).length,
    }),
  );
  return { batchItemFailures };
}

/**
 * The business event inside an SQS message from the bus rule: EventBridge's envelope with the
 * type as `detail-type` and the detail `{ id, version, ...fields }` (core/aws/event-bridge.ts).
 * EventBridge keeps the event's time to the second.
 */
export function eventFromBus(body: string): BillingEvent {
  const envelope = JSON.parse(body) as {
    source?: unknown;
    "detail-type"?: unknown;
    time?: unknown;
    detail?: { id?: unknown; version?: unknown } & Record<string, unknown>;
  };
  const { id, version, ...fields } = envelope.detail ?? {};
  if (
    envelope.source !== EVENT_SOURCE ||
    typeof envelope["detail-type"] !== "string" ||
    typeof envelope.time !== "string" ||
    Number.isNaN(Date.parse(envelope.time)) ||
    typeof id !== "string" ||
    version !== 1
  )
    throw new Error("not a billing event from the bus");
  return { id, type: envelope["detail-type"], version, time: new Date(envelope.time).toISOString(), detail: fields };
}
