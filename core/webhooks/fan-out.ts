/**
 * From business events to deliveries: each event becomes one delivery per enabled endpoint
 * subscribed to its type, created PENDING and due now, in the webhook due index. A delivery's id
 * is derived from the endpoint and the event, so the at-least-once path events travel (the
 * outbox republishing after a crash, the queue redelivering a message) creates each delivery
 * once. Nothing is sent here: `attemptDelivery` does, right after, or the scheduled pass.
 */
import { createHash } from "node:crypto";
import type { BillingEvent, Deps } from "../deps";
import { listEndpoints } from "../db/webhook-endpoints";
import { createDelivery } from "../db/webhook-deliveries";
import { webhookBody } from "./signing";
import type { StoredEndpoint, WebhookDelivery } from "./types";

export const deliveryIdOf = (endpointId: string, eventId: string) =>
  `wd_${createHash("sha256").update(`${endpointId}\n${eventId}`).digest("hex").slice(0, 24)}`;

const subscribes = (endpoint: StoredEndpoint, type: string) =>
  endpoint.enabled && (endpoint.events.includes("*") || endpoint.events.includes(type));

/**
 * A delivery of the fan-out, and its endpoint as read for it. `created`: this call created it, so
 * both are as stored and its first attempt may start from them without reading them again.
 */
export type FannedOut = { delivery: WebhookDelivery; endpoint: StoredEndpoint; created: boolean };

/**
 * Creates the deliveries of `events` (to `endpoints`, or every endpoint, read once), in event
 * order; those already there (the event came again) are answered with `created: false`.
 */
export async function fanOut(deps: Deps, events: BillingEvent[], endpoints?: StoredEndpoint[]): Promise<FannedOut[]> {
  const targets = endpoints ?? (events.length ? await listEndpoints(deps.db) : []);
  const out: FannedOut[] = [];
  if (!targets.length) return out;
  const now = (await deps.clock.now()).toISOString();
  for (const event of events) {
    const body = webhookBody(event);
    const created = targets
      .filter((endpoint) => subscribes(endpoint, event.type))
      .map((endpoint) => {
        const delivery: WebhookDelivery = {
          id: deliveryIdOf(endpoint.id, event.id),
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          body,
          status: "PENDING",
          attempts: 0,
          step: 0,
          createdAt: now,
          nextAttemptAt: now,
        };
        return createDelivery(deps.db, delivery).then((created) => ({ delivery, endpoint, created }));
      });
    out.push(...(await Promise.all(created)));
  }
  return out;
}
