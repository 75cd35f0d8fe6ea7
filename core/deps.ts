/**
 * What every core operation is given: the table, the clock and the outgoing event publisher.
 * Built once per process (functions/deps.ts for Lambda and the local server, test/support for tests).
 */
import type { Clock } from "./clock";
import type { Db } from "./db/client";
import type { BillingEvent, EventPublisher } from "./events/billing-event";

export type { BillingEvent, EventPublisher } from "./events/billing-event";

export type Deps = {
  db: Db;
  clock: Clock;
  publisher: EventPublisher;
  /**
   * BILLING_GRACE_PERIOD in milliseconds (core/periods/grace.ts): how long after a period ends
   * usage timestamped in it is still booked into it. Absent: 0, every close invoices at once.
   */
  gracePeriodMs?: number;
};

/** Keeps what was published, for the local server's log and for tests to assert on. */
export class RecordingPublisher implements EventPublisher {
  readonly published: BillingEvent[] = [];
  async publish(events: BillingEvent[]): Promise<void> {
    this.published.push(...events);
  }
}
