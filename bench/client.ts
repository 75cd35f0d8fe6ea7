/**
 * The client's own cost, as extra lines of `npm run bench`, or alone:
 *
 *   npx tsx bench/client.ts     # its own DynamoDB Local, seed and API server; prints only these lines
 *
 * 1. CPU per `usage.track` in this (the calling) process, against a raw `fetch` of the very same
 *    document and variables: the difference is what the client adds (key generation, the retry
 *    loop, the deadline timer and abort wiring, error mapping). Sequential calls, in alternating
 *    blocks so drift hits both sides alike.
 * 2. 10,000 events through `usage.trackBatch`: events per second end to end and requests sent.
 */
import type { ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { createBillingClient } from "../client/src/index.js";
import { TrackUsageDocument } from "../client/src/generated.js";
import { createCustomer } from "../core/customers";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { subscribe } from "../core/subscriptions";
import { API_KEY, benchDeps, seedMonthlyPlan, startServer } from "./harness";
import { median } from "./lib";

export type ClientBenchResult = {
  track: {
    calls: number;
    rawCpuUsPerCall: number;
    clientCpuUsPerCall: number;
    overheadCpuUsPerCall: number;
    rawMsP50: number;
    clientMsP50: number;
  };
  batch: { events: number; requests: number; seconds: number; eventsPerSec: number; failed: number };
};

/** Customers the bench needs, subscribed to a METERED plan with api_calls: one for tracks, one for the batch. */
export async function clientBench(
  url: string,
  customers: { track: string; batch: string },
  options: { calls?: number; batchEvents?: number; log?: (line: string) => void } = {},
): Promise<ClientBenchResult> {
  const calls = options.calls ?? 2_000;
  const batchEvents = options.batchEvents ?? 10_000;
  const log = options.log ?? (() => {});
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const client = createBillingClient({ url, apiKey: API_KEY, fetch: counting });
  let seq = 0;
  const input = (prefix: string) => ({
    customerId: customers.track,
    feature: "api_calls",
    idempotencyKey: `${prefix}-${String(seq++).padStart(9, "0")}`,
  });
  const rawTrack = async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query: TrackUsageDocument, variables: { input: input("raw") } }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  const clientTrack = async () => void (await client.usage.track(input("cli")));

  log(`bench client: ${calls} tracks each way (raw fetch, client), alternating blocks...`);
  for (let i = 0; i < 200; i++) await (i % 2 ? rawTrack() : clientTrack()); // warm both paths
  const side = { raw: { cpu: 0, ms: [] as number[] }, client: { cpu: 0, ms: [] as number[] } };
  const BLOCK = 100;
  for (let done = 0; done < calls; done += BLOCK) {
    for (const [name, fn] of [
      ["raw", rawTrack],
      ["client", clientTrack],
    ] as const) {
      const cpu = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        await fn();
        side[name].ms.push(performance.now() - t);
      }
      const used = process.cpuUsage(cpu);
      side[name].cpu += used.user + used.system;
    }
  }
  const rawCpu = side.raw.cpu / calls;
  const clientCpu = side.client.cpu / calls;

  log(`bench client: ${batchEvents} events through usage.trackBatch...`);
  requests = 0;
  const events = Array.from({ length: batchEvents }, () => ({ customerId: customers.batch, feature: "api_calls" }));
  const started = performance.now();
  const results = await client.usage.trackBatch(events);
  const seconds = (performance.now() - started) / 1000;

  return {
    track: {
      calls,
      rawCpuUsPerCall: rawCpu,
      clientCpuUsPerCall: clientCpu,
      overheadCpuUsPerCall: clientCpu - rawCpu,
      rawMsP50: median(side.raw.ms),
      clientMsP50: median(side.client.ms),
    },
    batch: {
      events: batchEvents,
      requests,
      seconds,
      eventsPerSec: batchEvents / seconds,
      failed: results.filter((r) => !r.ok).length,
    },
  };
}

/** Table rows in bench/run.ts's format: measurement, ops/s, p50 ms, p99 ms, vs raw, notes. */
export function clientRows(r: ClientBenchResult): string[][] {
  const t = r.track;
  return [
    [
      "client usage.track vs raw fetch, c1",
      "",
      t.clientMsP50.toFixed(1),
      "",
      "",
      `CPU in the caller ${t.clientCpuUsPerCall.toFixed(0)} us/call vs raw fetch ${t.rawCpuUsPerCall.toFixed(0)} us: +${t.overheadCpuUsPerCall.toFixed(0)} us (${((100 * t.overheadCpuUsPerCall) / t.rawCpuUsPerCall).toFixed(1)}%); raw p50 ${t.rawMsP50.toFixed(1)} ms; ${t.calls} calls each`,
    ],
    [
      `client usage.trackBatch, ${r.batch.events} events`,
      `${r.batch.eventsPerSec.toFixed(0)} ev/s`,
      "",
      "",
      "",
      `${r.batch.requests} requests, ${r.batch.seconds.toFixed(1)} s, ${r.batch.failed} refused`,
    ],
  ];
}

async function standalone() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`bench client: ${cpus().length} CPUs; starting DynamoDB Local...`);
  const dynamo = await startDynamoLocal();
  let server: ChildProcess | undefined;
  try {
    const deps = await benchDeps(dynamo.endpoint);
    await seedMonthlyPlan(deps);
    for (const id of ["c-client", "c-client-batch"]) {
      await createCustomer(deps, { id });
      await subscribe(deps, id, "bench-monthly");
    }
    const started = await startServer({ endpoint: dynamo.endpoint });
    server = started.child;
    const result = await clientBench(
      `http://127.0.0.1:${started.port}/graphql`,
      { track: "c-client", batch: "c-client-batch" },
      { log },
    );
    for (const row of clientRows(result)) console.log(row.filter(Boolean).join("  "));
  } finally {
    server?.kill("SIGTERM");
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  standalone().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
