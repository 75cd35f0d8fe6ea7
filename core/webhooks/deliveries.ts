/**
 * The delivery log as the API shows it: an endpoint's deliveries, newest first, paged with opaque
 * cursors through the timeline index (no Scan), each with its attempts; and `redeliverWebhook`,
 * which sends a delivery again now, whatever its status, and starts a fresh retry schedule.
 */
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { IdSchema, parseInput } from "../validation";
import * as repo from "../db/webhook-deliveries";
import { getEndpoint } from "../db/webhook-endpoints";
import { attemptDelivery } from "./attempt";
import type { WebhookDeps } from "./deps";
import type { DeliveryStatus } from "./schedule";
import type { WebhookAttempt, WebhookDelivery } from "./types";

export const MAX_DELIVERIES_PER_PAGE = 100;
const FirstSchema = z.int().check(z.gte(1), z.lte(MAX_DELIVERIES_PER_PAGE));
const ATTEMPTS = 3;

export type DeliveryPage = {
  edges: { node: WebhookDelivery; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

/** A deleted endpoint's deliveries stay listed until they expire (30 days after creation). */
export async function listWebhookDeliveries(
  deps: Deps,
  endpointId: string,
  options: { status?: DeliveryStatus | null; first?: number | null; after?: string | null },
): Promise<DeliveryPage> {
  parseInput(IdSchema, endpointId, "endpointId");
  const first = parseInput(FirstSchema, options.first ?? 50, "first");
  const from = options.after ? repo.decodeDeliveryCursor(endpointId, options.after) : undefined;
  if (options.after && !from)
    throw new DomainError("BAD_USER_INPUT", "after is not a cursor from this endpoint's list");
  const page = await repo.listDeliveries(deps.db, endpointId, first, from, options.status ?? undefined);
  const edges = page.deliveries.map((d) => ({ node: d.delivery, cursor: d.cursor }));
  return {
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor ?? edges.at(-1)?.cursor ?? null },
  };
}

export const listDeliveryAttempts = (deps: Deps, deliveryId: string): Promise<WebhookAttempt[]> =>
  repo.listAttempts(deps.db, deliveryId);

/**
 * Sends the delivery again now (same webhook-id and body: a receiver that already processed it
 * drops it) and answers its state after that attempt; if it fails, the retry schedule continues
 * from its start. Its endpoint must exist and be enabled.
 */
export async function redeliverWebhook(deps: WebhookDeps, deliveryId: string): Promise<WebhookDelivery> {
  parseInput(IdSchema, deliveryId, "deliveryId");
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt) await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    const delivery = await repo.getDelivery(deps.db, deliveryId);
    if (!delivery) throw new DomainError("NOT_FOUND", `webhook delivery "${deliveryId}" not found`);
    const endpoint = await getEndpoint(deps.db, delivery.endpointId);
    if (!endpoint?.enabled)
      throw new DomainError(
        "BAD_USER_INPUT",
        endpoint
          ? `deliveryId: its endpoint "${endpoint.id}" is disabled; enable it first (updateWebhookEndpoint with enabled: true)`
          : `deliveryId: its endpoint "${delivery.endpointId}" was deleted`,
      );
    const reopened = await repo.reopenDelivery(deps.db, delivery, (await deps.clock.now()).toISOString(), Date.now());
    if (!reopened) continue; // an attempt is running, or it changed since the read
    const outcome = await attemptDelivery(deps, deliveryId);
    if (outcome.kind === "held") return (await repo.getDelivery(deps.db, deliveryId)) ?? reopened;
    return outcome.delivery ?? reopened;
  }
  throw new DomainError(
    "CONFLICT",
    `webhook delivery "${deliveryId}" is being attempted right now; retry in a few seconds`,
  );
}
