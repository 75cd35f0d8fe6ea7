/** The webhook domain's records, as core hands them to the API. */
import type { DeliveryStatus } from "./schedule";

export type WebhookEndpoint = {
  id: string;
  url: string;
  /** Event types delivered; ["*"] for all. */
  events: string[];
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  /** Since when every attempt failed (no success since); cleared by a success. */
  failingSince?: string;
  createdAt: string;
  updatedAt: string;
};

/** A sealed secret; `expiresAt` set on the previous secret by a rotation (24 hours on). */
export type StoredSecret = { sealed: string; createdAt: string; expiresAt?: string };

export type StoredEndpoint = WebhookEndpoint & { version: number; secrets: StoredSecret[] };

/** One event's delivery to one endpoint: every attempt of it, retries and redeliveries. */
export type WebhookDelivery = {
  id: string;
  endpointId: string;
  /** The event's id: the webhook-id header. */
  eventId: string;
  eventType: string;
  /** The exact body every attempt sends. */
  body: string;
  status: DeliveryStatus;
  /** Attempts made in all. */
  attempts: number;
  /** Attempts made in the current schedule (a redelivery starts a new one). */
  step: number;
  createdAt: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  lastResponseStatus?: number;
  lastError?: string;
  /** When the table deletes it (Unix seconds, real time). */
  expiresAt?: number;
};

/** One attempt, as logged. `at` is the deployment clock's time; `timestamp` the webhook-timestamp sent (real). */
export type WebhookAttempt = {
  number: number;
  at: string;
  timestamp: number;
  succeeded: boolean;
  responseStatus?: number;
  error?: string;
  responseExcerpt?: string;
  durationMs: number;
};
