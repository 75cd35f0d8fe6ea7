/**
 * A customer's events filtered by feature and by when the usage happened (`timestamp` in
 * [from, to)), newest recorded first like the unfiltered list. The timeline is ordered by record
 * time and a batch's entry names its events only by key, so the filter reads the timeline and
 * keeps what matches: at most MAX_EVENTS_READ events per page request. A page may therefore be
 * short while `hasNextPage` is true; `endCursor` is where the reading stopped.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { listEvents } from "../db/event-timeline";
import { decodeEventCursor } from "../db/keys";
import type { UsageEvent } from "./event";

export const MAX_EVENTS_READ = 1_000;

export type EventFilter = { feature?: string | null; from?: Date | null; to?: Date | null };
export type EventPage = { events: { event: UsageEvent; cursor: string }[]; hasNextPage: boolean; endCursor?: string };

export async function filteredEvents(
  deps: Deps,
  customerId: string,
  first: number,
  after: string | null | undefined,
  filter: EventFilter,
): Promise<EventPage> {
  if (!Number.isInteger(first) || first < 1 || first > 100)
    throw new DomainError("BAD_USER_INPUT", "first must be between 1 and 100");
  if (filter.from && filter.to && filter.to <= filter.from)
    throw new DomainError("BAD_USER_INPUT", "to must be after from");
  let cursor = after ? decodeEventCursor(customerId, after) : undefined;
  if (after && !cursor) throw new DomainError("BAD_USER_INPUT", "after is not a cursor from this customer's list");
  const from = filter.from?.toISOString();
  const to = filter.to?.toISOString();
  const matches = (e: UsageEvent) =>
    (!filter.feature || e.feature === filter.feature) && (!from || e.timestamp >= from) && (!to || e.timestamp < to);

  const kept: EventPage["events"] = [];
  let read = 0;
  let endCursor = after ?? undefined;
  for (;;) {
    const page = await listEvents(deps.db, customerId, 100, cursor);
    for (const [i, entry] of page.events.entries()) {
      read++;
      endCursor = entry.cursor;
      if (!matches(entry.event)) continue;
      kept.push(entry);
      if (kept.length === first)
        return { events: kept, hasNextPage: i < page.events.length - 1 || page.hasNextPage, endCursor };
    }
    if (!page.hasNextPage) return { events: kept, hasNextPage: false, endCursor };
    if (read >= MAX_EVENTS_READ) return { events: kept, hasNextPage: true, endCursor };
    cursor = decodeEventCursor(customerId, endCursor!);
  }
}
