/**
 * Webhook endpoints: create (the secret is returned once), update, delete, list. One endpoint per
 * URL (ALREADY_EXISTS for a second: a retried create must not double every delivery), at most
 * MAX_ENDPOINTS of them, each subscribed to event types this deployment emits or to `*`.
 * Every change is load -> compute -> one conditional write, retried on a concurrent change.
 */
import { randomBytes } from "node:crypto";
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { emittedEventTypes, isEmittedEventType } from "../event-catalog";
import { IdSchema, parseInput } from "../validation";
import * as repo from "../db/webhook-endpoints";
import type { WebhookDeps } from "./deps";
import { RETRY, withRetries } from "../retry";
import { newWebhookSecret } from "./secrets";
import { checkEndpointUrl } from "./ssrf";
import type { StoredEndpoint, WebhookEndpoint } from "./types";

export const MAX_ENDPOINTS = 50;
const MAX_DESCRIPTION = 500;
const ATTEMPTS = 5;

const DescriptionSchema = z.string().check(z.maxLength(MAX_DESCRIPTION));
const EventsSchema = z.array(z.string()).check(z.minLength(1, "must name at least one event type, or *"));

export type EndpointInput = {
  url?: string | null;
  events?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
};

/** The endpoint as the API shows it: never a secret. */
export function publicEndpoint({ version: _, secrets: __, ...endpoint }: StoredEndpoint): WebhookEndpoint {
  return endpoint;
}

export async function createWebhookEndpoint(
  deps: WebhookDeps,
  input: { url: string; events: string[]; description?: string | null },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const settings = checkedSettings(deps, input);
  const now = (await deps.clock.now()).toISOString();
  // Time first, so ids sort roughly by creation; then 80 random bits.
  const id = `we_${Date.now().toString(36)}${randomBytes(10).toString("hex")}`;
  const secret = newWebhookSecret();
  const endpoint: StoredEndpoint = {
    id,
    url: settings.url!,
    events: settings.events!,
    ...(settings.description ? { description: settings.description } : {}),
    enabled: true,
    createdAt: now,
    updatedAt: now,
    version: 1,
    secrets: [{ sealed: deps.vault.seal(secret, id), createdAt: now }],
  };
  const exhausted = () =>
    new DomainError("CONFLICT", "webhook endpoints are being created concurrently too often; retry");
  return withRetries({ attempts: ATTEMPTS, exhausted }, async () => {
    const outcome = await repo.insertEndpoint(deps.db, endpoint, MAX_ENDPOINTS);
    if (outcome === "urlTaken") throw urlTaken(endpoint.url);
    if (outcome === "full")
      throw new DomainError("LIMIT_REACHED", `at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`);
    return outcome === "created" ? { endpoint: publicEndpoint(endpoint), secret } : RETRY;
  });
}

export async function listWebhookEndpoints(deps: Deps): Promise<WebhookEndpoint[]> {
  return (await repo.listEndpoints(deps.db))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map(publicEndpoint);
}

/**
 * Changes what is given. `enabled: true` on a disabled endpoint enables it afresh (its failure
 * streak and disabled reason cleared); `description: null` removes the description.
 */
export async function updateWebhookEndpoint(
  deps: WebhookDeps,
  id: string,
  input: EndpointInput,
): Promise<WebhookEndpoint> {
  const settings = checkedSettings(deps, input);
  return change(deps, id, (e, now) => {
    const enabling = input.enabled === true && !e.enabled;
    const next: StoredEndpoint = {
      ...e,
      ...(settings.url ? { url: settings.url } : {}),
      ...(settings.events ? { events: settings.events } : {}),
      ...(input.enabled === undefined || input.enabled === null ? {} : { enabled: input.enabled }),
      updatedAt: now,
    };
    if (input.description === null || settings.description === "") delete next.description;
    else if (settings.description !== undefined) next.description = settings.description;
    if (enabling) {
      delete next.disabledReason;
      delete next.failingSince;
    }
    if (input.enabled === false) next.disabledReason = "disabled by an operator";
    return next;
  });
}

/** Loads, computes the next state and writes it conditioned on the version read; re-reads on a race. */
export async function change(
  deps: WebhookDeps,
  id: string,
  compute: (endpoint: StoredEndpoint, now: string) => StoredEndpoint,
): Promise<WebhookEndpoint> {
  parseInput(IdSchema, id, "id");
  return withRetries({ attempts: ATTEMPTS, exhausted: changedTooOften(id) }, async () => {
    const endpoint = await repo.getEndpoint(deps.db, id);
    if (!endpoint) throw notFound(id);
    const next = compute(endpoint, (await deps.clock.now()).toISOString());
    const outcome = await repo.replaceEndpoint(deps.db, endpoint, next);
    if (outcome === "replaced") return publicEndpoint({ ...next, version: endpoint.version + 1 });
    if (outcome === "urlTaken") throw urlTaken(next.url);
    return RETRY;
  });
}

/** Deletes the endpoint; its deliveries stay listed until they expire, and pending ones end FAILED. */
export async function deleteWebhookEndpoint(deps: Deps, id: string): Promise<WebhookEndpoint> {
  parseInput(IdSchema, id, "id");
  return withRetries({ attempts: ATTEMPTS, exhausted: changedTooOften(id) }, async () => {
    const endpoint = await repo.getEndpoint(deps.db, id);
    if (!endpoint) throw notFound(id);
    return (await repo.deleteEndpoint(deps.db, endpoint)) ? publicEndpoint(endpoint) : RETRY;
  });
}

const changedTooOften = (id: string) => () =>
  new DomainError("CONFLICT", `webhook endpoint "${id}" changed concurrently too often; retry`);
export const notFound = (id: string) => new DomainError("NOT_FOUND", `webhook endpoint "${id}" not found`);
const urlTaken = (url: string) => new DomainError("ALREADY_EXISTS", `a webhook endpoint for ${url} already exists`);

function checkedSettings(deps: Deps, input: EndpointInput): { url?: string; events?: string[]; description?: string } {
  const out: { url?: string; events?: string[]; description?: string } = {};
  if (input.url !== undefined && input.url !== null) {
    const checked = checkEndpointUrl(input.url.trim(), deps.clock.mode);
    if ("problem" in checked) throw new DomainError("BAD_USER_INPUT", `url ${checked.problem}`);
    out.url = checked.url;
  }
  if (input.events !== undefined && input.events !== null) {
    const events = parseInput(EventsSchema, input.events, "events");
    const unknown = events.find((type) => type !== "*" && !isEmittedEventType(type));
    if (unknown !== undefined)
      throw new DomainError(
        "BAD_USER_INPUT",
        `events: "${unknown}" is not an event type this deployment emits (eventTypes lists them: ${emittedEventTypes().join(", ")}), nor *`,
      );
    out.events = events.includes("*") ? ["*"] : [...new Set(events)];
  }
  if (input.description !== undefined && input.description !== null)
    out.description = parseInput(DescriptionSchema, input.description.trim(), "description");
  return out;
}
