/**
 * One attempt of one delivery, by whichever worker gets there first: load the delivery, claim
 * the attempt (a conditional write: two workers never both send it), load the endpoint, sign with
 * the secrets valid now, send (transport.ts: SSRF checks, 10 s, no redirects), then record the
 * attempt and the delivery's next state under the claim (one transaction), and finally the
 * endpoint's health (a separate conditional write: a race there must not lose the attempt's record;
 * a crash before it is repaired by the next attempt). A disable publishes
 * `webhook_endpoint.disabled` from its outbox item.
 *
 * `webhook-timestamp` is the real time of sending, whatever the deployment clock says: receivers
 * check it against their own clock. Everything else (due times, the attempt's `at`, rotations,
 * the 5 days) runs on the deployment clock.
 */
import { randomBytes } from "node:crypto";
import { webhookEndpointDisabled } from "../events";
import { publish } from "../events/publish";
import { outboxKeyOf } from "../db/outbox";
import * as deliveries from "../db/webhook-deliveries";
import * as endpoints from "../db/webhook-endpoints";
import type { WebhookDeps } from "./deps";
import { signingSecrets } from "./rotate";
import { afterAttempt, type AttemptResult, healthAfter, succeeded } from "./schedule";
import { webhookHeaders } from "./signing";
import type { StoredEndpoint, WebhookDelivery } from "./types";
import type { FannedOut } from "./fan-out";

/**
 * The first attempt of a fan-out's delivery, from what the fan-out knows when it created it. One
 * that throws (a database failure) is logged and answers undefined: the delivery is recorded as
 * due in the table, and the scheduled pass sends it.
 */
export const attemptFannedOut = (deps: WebhookDeps, f: FannedOut): Promise<AttemptOutcome | undefined> =>
  attemptDelivery(deps, f.delivery.id, f.created ? f : undefined).catch((error: unknown) => {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "webhook attempt failed",
        deliveryId: f.delivery.id,
        error: String(error),
      }),
    );
    return undefined;
  });

/**
 * sent: this call sent an attempt (`delivery` is the state after it); closed: the endpoint is gone
 * or disabled, so the delivery ended FAILED unsent; idle: nothing was due (or no such delivery);
 * held: another worker holds the attempt (or took it over while this one was sending).
 */
export type AttemptOutcome =
  | { kind: "sent"; delivery: WebhookDelivery; succeeded: boolean }
  | { kind: "closed"; delivery: WebhookDelivery }
  | { kind: "idle"; delivery?: WebhookDelivery }
  | { kind: "held" };

/**
 * Attempts the delivery if it is PENDING and due. `fresh`: the delivery and its endpoint as the
 * fan-out just wrote and read them (saves two reads; the claim's condition still guards the state).
 */
export async function attemptDelivery(
  deps: WebhookDeps,
  deliveryId: string,
  fresh?: { delivery: WebhookDelivery; endpoint: StoredEndpoint },
): Promise<AttemptOutcome> {
  const delivery = fresh?.delivery ?? (await deliveries.getDelivery(deps.db, deliveryId));
  const now = await deps.clock.now();
  if (delivery?.status !== "PENDING" || delivery.nextAttemptAt! > now.toISOString())
    return { kind: "idle", ...(delivery ? { delivery } : {}) };
  const token = randomBytes(12).toString("hex");
  const realNow = Date.now();
  const claim = { token, until: realNow + deliveries.LEASE_MS, realNow };
  if (!(await deliveries.claimDelivery(deps.db, delivery, claim, now.toISOString()))) return { kind: "held" };

  const endpoint = fresh?.endpoint ?? (await endpoints.getEndpoint(deps.db, delivery.endpointId));
  if (!endpoint?.enabled) {
    const reason = endpoint ? "the endpoint is disabled" : "the endpoint was deleted";
    const closed = await deliveries.closeDelivery(deps.db, delivery, token, reason);
    return closed ? { kind: "closed", delivery: closed } : { kind: "held" };
  }

  const timestamp = Math.floor(Date.now() / 1000);
  const result = await send(deps, endpoint, delivery, timestamp, now);
  const state = afterAttempt(delivery.step, result, now);
  const recorded = await deliveries.recordAttempt(
    deps.db,
    delivery,
    token,
    { ...state, ...(result.error ? { lastError: result.error } : {}) },
    {
      number: delivery.attempts + 1,
      at: now.toISOString(),
      timestamp,
      succeeded: succeeded(result),
      durationMs: result.durationMs,
      ...(result.status === undefined ? {} : { responseStatus: result.status }),
      ...(result.error ? { error: result.error } : {}),
      ...(result.excerpt ? { responseExcerpt: result.excerpt } : {}),
    },
  );
  if (!recorded) return { kind: "held" };
  await recordHealth(deps, endpoint, result, now);
  return { kind: "sent", delivery: recorded, succeeded: succeeded(result) };
}

async function send(
  deps: WebhookDeps,
  endpoint: StoredEndpoint,
  delivery: WebhookDelivery,
  timestamp: number,
  now: Date,
): Promise<AttemptResult> {
  let secrets: string[];
  try {
    secrets = signingSecrets(deps.vault, endpoint, now);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), durationMs: 0 };
  }
  return deps.transport({
    url: endpoint.url,
    headers: webhookHeaders(delivery.eventId, timestamp, delivery.body, secrets),
    body: delivery.body,
  });
}

async function recordHealth(deps: WebhookDeps, endpoint: StoredEndpoint, result: AttemptResult, now: Date) {
  const change = healthAfter(endpoint.failingSince, result, now);
  if (change.kind === "recovered") await endpoints.markRecovered(deps.db, endpoint.id);
  if (change.kind === "failing") await endpoints.markFailing(deps.db, endpoint.id, change.since);
  if (change.kind !== "disable") return;
  const event = webhookEndpointDisabled(endpoint, change.failingSince, change.reason, now.toISOString());
  const written = await endpoints.disableEndpoint(
    deps.db,
    endpoint.id,
    // A 410 disables whatever the streak; otherwise only if it is still the streak that was judged.
    { reason: change.reason, ...(endpoint.failingSince ? { failingSince: endpoint.failingSince } : {}) },
    event,
  );
  if (written) await publish(deps, [event], outboxKeyOf([event]));
}
