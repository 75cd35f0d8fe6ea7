import { emittedEventTypes } from "../core/event-catalog";
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from "../core/webhooks/types";
import type { DeliveryPage } from "../core/webhooks/deliveries";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { PageInfoRef } from "./page-info";

// The webhook operations' code is loaded on first use: no track or check needs it, and a cold
// start pays for every byte it loads (issue 22 item 6: at most 0.7 MB).
const endpoints = () => import("../core/webhooks/endpoints");
const deliveries = () => import("../core/webhooks/deliveries");

const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>("WebhookEndpoint").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    url: t.exposeString("url"),
    events: t.exposeStringList("events", { description: 'Event types delivered; ["*"] for all.' }),
    description: t.string({ nullable: true, resolve: (e) => e.description ?? null }),
    enabled: t.exposeBoolean("enabled"),
    disabledReason: t.string({
      nullable: true,
      description: "Why it is disabled: by an operator, 410 Gone, or 5 days without a successful delivery.",
      resolve: (e) => e.disabledReason ?? null,
    }),
    failingSince: t.field({
      type: "DateTime",
      nullable: true,
      description:
        "Since when every attempt failed (none succeeded since); an endpoint failing for 5 days is disabled.",
      resolve: (e) => e.failingSince ?? null,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (e) => e.updatedAt }),
  }),
});

const CreatedWebhookEndpointRef = builder
  .objectRef<{ endpoint: WebhookEndpoint; secret: string }>("CreatedWebhookEndpoint")
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, resolve: (c) => c.endpoint }),
      secret: t.exposeString("secret", {
        description:
          "whsec_ + base64; returned only here and by rotateWebhookSecret. Verify deliveries with it (Standard Webhooks).",
      }),
    }),
  });

const WebhookDeliveryStatusEnum = builder.enumType("WebhookDeliveryStatus", {
  values: {
    PENDING: { description: "An attempt is due (see nextAttemptAt) or running." },
    SUCCEEDED: { description: "An attempt got a 2xx answer." },
    FAILED: { description: "Every attempt of the schedule failed, or the endpoint was disabled or deleted." },
  } as const,
});

const WebhookAttemptRef = builder.objectRef<WebhookAttempt>("WebhookAttempt").implement({
  fields: (t) => ({
    number: t.exposeInt("number", { description: "1 for the first attempt, counting redeliveries on." }),
    attemptedAt: t.field({
      type: "DateTime",
      description: "The deployment clock's time of the attempt (the test clock in test mode).",
      resolve: (a) => a.at,
    }),
    sentAt: t.field({
      type: "DateTime",
      description: "The real time it was sent: its webhook-timestamp header.",
      resolve: (a) => new Date(a.timestamp * 1000),
    }),
    succeeded: t.exposeBoolean("succeeded"),
    responseStatus: t.int({ nullable: true, resolve: (a) => a.responseStatus ?? null }),
    error: t.string({
      nullable: true,
      description: "Why it failed without a 2xx: a timeout, a refused address, a redirect, a network error.",
      resolve: (a) => a.error ?? null,
    }),
    responseExcerpt: t.string({
      nullable: true,
      description: "The start of the response body (at most 256 bytes; nothing more is kept).",
      resolve: (a) => a.responseExcerpt ?? null,
    }),
    durationMs: t.exposeInt("durationMs"),
  }),
});

const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>("WebhookDelivery").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    endpointId: t.exposeID("endpointId"),
    eventId: t.exposeID("eventId", {
      description: "The event's id: the webhook-id header, the same on every attempt.",
    }),
    eventType: t.exposeString("eventType"),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (d) => d.status }),
    attempts: t.exposeInt("attempts"),
    lastAttemptAt: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.lastAttemptAt ?? null }),
    nextAttemptAt: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.nextAttemptAt ?? null }),
    lastResponseStatus: t.int({ nullable: true, resolve: (d) => d.lastResponseStatus ?? null }),
    lastError: t.string({ nullable: true, resolve: (d) => d.lastError ?? null }),
    createdAt: t.field({ type: "DateTime", resolve: (d) => d.createdAt }),
    payload: t.string({
      description: "The exact body every attempt sends: { id, type, version, createdAt, data }.",
      resolve: (d) => d.body,
    }),
    attemptLog: t.field({
      type: [WebhookAttemptRef],
      description: "Every attempt, oldest first.",
      resolve: async (d, _, { deps }) => (await deliveries()).listDeliveryAttempts(deps, d.id),
    }),
  }),
});

const WebhookDeliveryEdgeRef = builder.objectRef<DeliveryPage["edges"][number]>("WebhookDeliveryEdge").implement({
  fields: (t) => ({
    node: t.field({ type: WebhookDeliveryRef, resolve: (e) => e.node }),
    cursor: t.exposeString("cursor"),
  }),
});

const WebhookDeliveryConnectionRef = builder.objectRef<DeliveryPage>("WebhookDeliveryConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [WebhookDeliveryEdgeRef], resolve: (p) => p.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (p) => p.pageInfo }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [WebhookEndpointRef],
    authScopes: adminOnly,
    description: "Every webhook endpoint, oldest first, without secrets.",
    resolve: async (_, __, { deps }) => (await endpoints()).listWebhookEndpoints(deps),
  }),
  webhookDeliveries: t.field({
    type: WebhookDeliveryConnectionRef,
    authScopes: adminOnly,
    description:
      "An endpoint's deliveries, newest first; first: 1 to 100; after: an endCursor of this endpoint's list. With a status, a page may end early (hasNextPage true) after examining 1,000 deliveries.",
    args: {
      endpointId: t.arg.id({ required: true }),
      status: t.arg({ type: WebhookDeliveryStatusEnum }),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: async (_, a, { deps }) => (await deliveries()).listWebhookDeliveries(deps, a.endpointId, a),
  }),
  eventTypes: t.stringList({
    authScopes: adminOnly,
    description: "Every event type the deployment emits.",
    resolve: () => emittedEventTypes(),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreatedWebhookEndpointRef,
    authScopes: adminOnly,
    description:
      'One endpoint per URL. events: types from eventTypes, or ["*"]. Production URLs must be https and resolve to public addresses.',
    args: {
      url: t.arg.string({ required: true }),
      events: t.arg.stringList({ required: true }),
      description: t.arg.string(),
    },
    resolve: async (_, a, { webhooks }) => (await endpoints()).createWebhookEndpoint(webhooks, a),
  }),
  updateWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    authScopes: adminOnly,
    description:
      "Changes what is given. enabled: true enables a disabled endpoint afresh; description: null removes it.",
    args: {
      id: t.arg.id({ required: true }),
      url: t.arg.string(),
      events: t.arg.stringList(),
      enabled: t.arg.boolean(),
      description: t.arg.string(),
    },
    resolve: async (_, { id, ...input }, { webhooks }) =>
      (await endpoints()).updateWebhookEndpoint(webhooks, id, input),
  }),
  deleteWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    authScopes: adminOnly,
    description: "Its pending deliveries end FAILED; its delivery log stays listed until it expires (30 days).",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, a, { deps }) => (await endpoints()).deleteWebhookEndpoint(deps, a.id),
  }),
  rotateWebhookSecret: t.field({
    type: CreatedWebhookEndpointRef,
    authScopes: adminOnly,
    description: "A new secret; the previous one keeps signing beside it for 24 hours (two signatures).",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, a, { webhooks }) =>
      (await import("../core/webhooks/rotate")).rotateWebhookSecret(webhooks, a.id),
  }),
  redeliverWebhook: t.field({
    type: WebhookDeliveryRef,
    authScopes: adminOnly,
    description:
      "Sends the delivery again now (same webhook-id and body) and answers its state after that attempt; if it fails, the retry schedule starts over.",
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: async (_, a, { webhooks }) => (await deliveries()).redeliverWebhook(webhooks, a.deliveryId),
  }),
  deliverDueWebhooks: t.field({
    type: "Int",
    authScopes: adminOnly,
    description:
      "Attempts every webhook delivery due by now; returns how many attempts were sent. What the scheduled pass runs (every minute on AWS, every second under npm start).",
    resolve: async (_, __, { webhooks }) =>
      (await (await import("../core/webhooks/pass")).deliverDue(webhooks)).attempted,
  }),
}));
