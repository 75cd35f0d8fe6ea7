/**
 * Publishes business events to the deployment's EventBridge bus. Delivery is at least once: the
 * caller publishes after its transaction committed and retries; each event carries a stable id
 * (derived from what it describes) so consumers can drop duplicates.
 *
 * The EventBridge client is loaded on the first publish, not at import: a steady-state track
 * publishes nothing, so a cold start that answers one does not load or build it (with the Lambda
 * bundle's code splitting, it is a chunk of its own).
 */
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE, type BillingEvent, type EventPublisher } from "../events/billing-event";

const MAX_PER_REQUEST = 10;

export class EventBridgePublisher implements EventPublisher {
  private client?: Promise<{
    client: EventBridgeClient;
    PutEventsCommand: typeof import("@aws-sdk/client-eventbridge").PutEventsCommand;
  }>;
  constructor(private readonly busName: string) {}

  private sdk() {
    this.client ??= import("@aws-sdk/client-eventbridge").then(({ EventBridgeClient, PutEventsCommand }) => ({
      client: new EventBridgeClient({ maxAttempts: 5 }),
      PutEventsCommand,
    }));
    return this.client;
  }

  async publish(events: BillingEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { client, PutEventsCommand } = await this.sdk();
    for (let i = 0; i < events.length; i += MAX_PER_REQUEST) {
      const batch = events.slice(i, i + MAX_PER_REQUEST);
      const result = await client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.type,
            Time: new Date(e.time),
            Detail: JSON.stringify({ id: e.id, version: e.version, ...e.detail }),
          })),
        }),
      );
      if (result.FailedEntryCount)
        throw new Error(`EventBridge refused ${result.FailedEntryCount} of ${batch.length} events`);
    }
  }
}
