/**
 * Writing rollups (core/ai-costs/rollup.ts) exactly once per usage event, however often the
 * stream delivers it: each event's transaction group also creates its `applied` marker
 * (attribute_not_exists), so a redelivered event cancels the transaction; the events already
 * applied are dropped (their markers named by the cancellation reasons) and the rest is written
 * again. Markers expire after two days; a stream keeps records for one.
 *
 * Cells change by ADD only, so concurrent aggregators (one per stream shard) never overwrite each
 * other; a transaction that meets another on a shared cell (a day, a model) is retried with a
 * fresh backoff. A transaction holds at most 100 items: events go in groups whose markers and
 * cells fit.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, type TransactWriteCommandInput } from "./commands";
import { AI_COST_FIELDS, rollUp, type RolledEvent, type Rollup } from "../ai-costs/rollup";
import type { Db } from "./client";
import { ItemType, keys, TABLE, type Key } from "./keys";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** An event as the stream delivered it: its item's key (the marker's name) and the event. */
export type StreamedEvent = { key: Key; event: RolledEvent };

const MARKER_DAYS = 2;
const MAX_ITEMS = 100;
const MAX_ATTEMPTS = 12;

/** Applies each event's rollups once; returns how many were new (not applied before). */
export async function applyRollups(db: Db, events: StreamedEvent[], now: Date): Promise<number> {
  // A record delivered twice in one batch: once (a transaction may not touch one item twice).
  const unique = [...new Map(events.map((e) => [`${e.key.pk}\u0000${e.key.sk}`, e])).values()];
  let applied = 0;
  for (const group of groups(unique)) applied += await applyGroup(db, group, now);
  return applied;
}

/** Consecutive events whose markers and distinct cells fit in one transaction. */
function groups(events: StreamedEvent[]): StreamedEvent[][] {
  const out: StreamedEvent[][] = [];
  let current: StreamedEvent[] = [];
  for (const event of events) {
    const next = [...current, event];
    if (current.length && sizeOf(next) > MAX_ITEMS) {
      out.push(current);
      current = [event];
    } else current = next;
  }
  if (current.length) out.push(current);
  return out;
}

const sizeOf = (events: StreamedEvent[]) => {
  const rollup = rollUp(events.map((e) => e.event));
  return events.length + rollup.aiCosts.size + rollup.usage.size;
};

async function applyGroup(db: Db, group: StreamedEvent[], now: Date): Promise<number> {
  let pending = group;
  for (let attempt = 0; pending.length; attempt++) {
    if (attempt === MAX_ATTEMPTS) throw new Error("rollup transaction kept conflicting; the stream will redeliver");
    if (attempt) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: transactItems(db, pending, now) }));
      return pending.length;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      // The first items are the markers, in `pending` order: a failed condition is an event already applied.
      const seen = new Set(pending.map((_, i) => i).filter((i) => reasons[i]?.Code === "ConditionalCheckFailed"));
      if (seen.size) pending = pending.filter((_, i) => !seen.has(i));
      else if (!reasons.some((r) => r.Code === "TransactionConflict")) throw error;
    }
  }
  return 0;
}

function transactItems(db: Db, events: StreamedEvent[], now: Date): TransactItem[] {
  const expiresAt = Math.floor(now.getTime() / 1000) + MARKER_DAYS * 86_400;
  const markers: TransactItem[] = events.map(({ key }) => ({
    Put: {
      TableName: db.table,
      Item: {
        ...keys.aiCostApplied(key.pk, key.sk),
        type: ItemType.AI_COST_APPLIED,
        [TABLE.ttlAttribute]: expiresAt,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  }));
  return [...markers, ...cellUpdates(db, rollUp(events.map((e) => e.event)))];
}

function cellUpdates(db: Db, rollup: Rollup): TransactItem[] {
  const add = (key: Key, type: string, set: Record<string, unknown>, adds: Record<string, bigint>): TransactItem => {
    const names: Record<string, string> = { "#type": "type" };
    const values: Record<string, unknown> = { ":type": type };
    const sets = ["#type = :type"];
    for (const [name, value] of Object.entries(set)) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    const addParts = Object.entries(adds).map(([name, value]) => {
      names[`#${name}`] = name;
      values[`:d_${name}`] = value;
      return `#${name} :d_${name}`;
    });
    return {
      Update: {
        TableName: db.table,
        Key: key,
        UpdateExpression: `SET ${sets.join(", ")} ADD ${addParts.join(", ")}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  };
  return [
    ...[...rollup.aiCosts.values()].map(({ cell, totals }) =>
      add(
        keys.aiCostRollup(cell.group, cell.bucket, cell.key),
        ItemType.AI_COST_ROLLUP,
        { key: cell.key },
        Object.fromEntries(AI_COST_FIELDS.map((f) => [f, totals[f]])),
      ),
    ),
    ...[...rollup.usage.values()].map(({ cell, totals }) =>
      add(
        keys.usageHistory(cell.customerId, cell.periodStart, cell.feature),
        ItemType.USAGE_HISTORY,
        { periodStart: cell.periodStart, feature: cell.feature },
        totals,
      ),
    ),
  ];
}
