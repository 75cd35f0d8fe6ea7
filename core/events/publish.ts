/**
 * Publishing after a commit. Every event is stored in the same transaction as the change it
 * announces (an outbox: on the invoice, or for other writes an outbox item; core/db/outbox.ts), so
 * a publish that fails or a process that crashes loses nothing: the sweeper publishes what is left.
 */
import type { Deps } from "../deps";
import { listUnpublished, markPublished } from "../db/outbox";
import type { Key } from "../db/keys";
import type { BillingEvent } from "./billing-event";

const PUBLISH_ATTEMPTS = 3;

/** Publishes after a commit, retrying; the item holding them in the outbox is cleared once they are out. */
export async function publish(deps: Deps, events: BillingEvent[], outbox?: Key): Promise<boolean> {
  if (!events.length) return true;
  for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
    try {
      await deps.publisher.publish(events);
      if (outbox) await markPublished(deps.db, outbox);
      return true;
    } catch (error) {
      if (attempt === PUBLISH_ATTEMPTS) {
        console.error(
          JSON.stringify({
            level: "error",
            msg: "event publishing failed; the sweeper retries it",
            outbox: outbox?.pk ?? null,
            error: String(error),
          }),
        );
      }
    }
  }
  return false;
}

/** What the sweeper runs first: publish the events a crash or a failed publish left in the outbox. */
export async function publishOutbox(deps: Deps): Promise<number> {
  let published = 0;
  for (const { key, events } of await listUnpublished(deps.db)) if (await publish(deps, events, key)) published++;
  return published;
}
