/**
 * A business event for the deployment's EventBridge bus: versioned, with a stable `type` and a
 * stable `id` derived from what it describes, so a consumer can drop duplicates (delivery is at
 * least once). What each event says: ./index.ts.
 */
/** The `source` of every event on the bus (what a rule matches on: stacks/webhooks.ts). */
export const EVENT_SOURCE = "billing";

export type BillingEvent = { id: string; type: string; version: 1; time: string; detail: Record<string, unknown> };

export interface EventPublisher {
  publish(events: BillingEvent[]): Promise<void>;
}
