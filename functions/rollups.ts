/**
 * The rollup aggregator Lambda, fed by the table's stream through an event source mapping
 * (stacks/rollups.ts) that passes only new usage events. It applies each batch to the AI cost
 * and usage history rollups (core/ai-costs/aggregate.ts), each event exactly once: a batch that
 * fails is retried (and bisected) by Lambda, and events already applied are skipped by their
 * markers. Logs one JSON line per batch.
 */
import { aggregate, type StreamRecord } from "../core/ai-costs/aggregate";
import { createDb } from "../core/db/client";

const table = process.env.BILLING_TABLE;
if (!table) throw new Error("BILLING_TABLE is not set");
const db = createDb({ table });

export async function handler(event: { Records?: StreamRecord[] }) {
  const records = event.Records ?? [];
  const applied = await aggregate({ db }, records);
  console.log(JSON.stringify({ event: "rollups", records: records.length, applied }));
  return { applied };
}
