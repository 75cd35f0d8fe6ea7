/**
 * The catalog of business event types: every name, its payload version and
 * whether this deployment emits it yet. Names are binding, payloads are versioned (`version: 1`;
 * a change that could break a consumer would ship as version 2, documented beside version 1) and
 * every event carries a stable id derived from what it describes, so consumers drop duplicates.
 *
 * Types whose triggering feature does not exist yet are listed as reserved, not emitted (none today): `eventTypes` lists only what is emitted,
 * and a webhook endpoint can subscribe only to those (or `*`), so nobody waits for an event that
 * cannot come. The feature that starts emitting one flips its `emitted` here, in the same change.
 * docs/events.md documents every payload with an example.
 */
import { EventType } from "./events";

export type EventTypeInfo = {
  type: string;
  version: 1;
  emitted: boolean;
  /** What the event's stable id is built from, as docs/events.md shows it. */
  id: string;
};

const emitted = (type: string, id: string): EventTypeInfo => ({ type, version: 1, emitted: true, id });

export const EVENT_CATALOG: readonly EventTypeInfo[] = [
  emitted(EventType.INVOICE_CREATED, "invoice.created:<invoice id>"),
  emitted(EventType.INVOICE_PAID, "invoice.paid:<invoice id>"),
  emitted(EventType.INVOICE_VOIDED, "invoice.voided:<invoice id>"),
  emitted(EventType.SUBSCRIPTION_CREATED, "subscription.created:<customer>:<periodStart>"),
  emitted(EventType.SUBSCRIPTION_RENEWED, "subscription.renewed:<customer>:<periodStart>"),
  emitted(EventType.SUBSCRIPTION_PLAN_CHANGED, "subscription.plan_changed:<customer>:<periodStart>"),
  emitted(EventType.SUBSCRIPTION_CANCELED, "subscription.canceled:<customer>:<periodStart>"),
  emitted(EventType.TRIAL_WILL_END, "trial.will_end:<customer>:<trial end>"),
  emitted(EventType.TRIAL_ENDED, "trial.ended:<customer>:<trial end>"),
  emitted(EventType.CREDITS_PURCHASED, "credits.purchased:<invoice id>"),
  emitted(EventType.CREDITS_LOW, "credits.low:<customer>:<periodStart>:<granted>[:<n>]"),
  emitted(EventType.CREDITS_DEPLETED, "credits.depleted:<customer>:<periodStart>"),
  emitted(EventType.BALANCE_TOPPED_UP, "balance.topped_up:<invoice id>"),
  emitted(EventType.BALANCE_LOW, "balance.low:<customer>:<periodStart>:<granted>[:<n>]"),
  emitted(EventType.BALANCE_NEGATIVE, "balance.negative:<customer>:<periodStart>"),
  emitted(EventType.USAGE_THRESHOLD_REACHED, "usage.threshold_reached:<customer>:<feature>:<periodStart>:<percent>"),
  emitted(EventType.ALERT_TRIGGERED, "alert.triggered:<alert id>:<triggers>"),
  emitted(EventType.RESERVATION_EXPIRED, "reservation.expired:<reservation id>"),
  emitted(EventType.WEBHOOK_ENDPOINT_DISABLED, "webhook_endpoint.disabled:<endpoint id>:<failingSince>"),
];

/** What `eventTypes` answers: the types this deployment emits, in catalog order. */
export const emittedEventTypes = (): string[] => EVENT_CATALOG.filter((e) => e.emitted).map((e) => e.type);

export const isEmittedEventType = (type: string): boolean => EVENT_CATALOG.some((e) => e.emitted && e.type === type);
