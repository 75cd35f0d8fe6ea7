/** Locally, business events (invoices, renewals, depletions) go to the log, one line each, never to AWS. */
import type { BillingEvent, EventPublisher } from "../../core/deps";

export class LoggingPublisher implements EventPublisher {
  constructor(private readonly log: (line: string) => void) {}
  async publish(events: BillingEvent[]): Promise<void> {
    for (const event of events) this.log(`event ${event.type} ${summarize(event.detail)}`);
  }
}

/** One short line per business event: invoices by number, customer and total; others as (truncated) JSON. */
function summarize(detail: Record<string, unknown>): string {
  const invoice = detail.invoice as
    | { number?: unknown; customerId?: unknown; total?: unknown; currency?: unknown }
    | undefined;
  if (invoice && typeof invoice === "object" && invoice.number) {
    const { number, customerId, total, currency } = invoice;
    return `${String(number)} customer=${String(customerId)} total=${String(total)} ${String(currency ?? "")}`.trim();
  }
  const text = JSON.stringify(detail);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
