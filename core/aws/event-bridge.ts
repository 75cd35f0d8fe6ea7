/**
 * Publishes business events to the deployment's EventBridge bus. Delivery is at least once: the
 * caller publishes after its transaction committed and retries; each event carries a stable id
 * (derived from what it describes) so consumers can drop duplicates.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE, type BillingEvent, type EventPublisher } from "../events/billing-event";

const MAX_PER_REQUEST = 10;

export class EventBridgePublisher implements EventPublisher {
  private readonly client = new EventBridgeClient({ maxAttempts: 5 });
  constructor(private readonly busName: string) {}

  async publish(events: BillingEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_PER_REQUEST) {
      const batch = events.slice(i, i + MAX_PER_REQUEST);
      const result = await this.client.send(
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
