/**
 * `--only processes` (budget item 8): the API as 4 processes on one table, the shape of several
 * Lambda containers, against 1 process with the same load; then whether every event was recorded
 * exactly once. Each process is its own bench/server.ts (its own wallet cache, SDK client and
 * event loop); requests go to them round robin. Besides steady tracks over 40 customers, every
 * 10th operation sends one key to two processes at the same instant (a client's retry racing its
 * first attempt in another container) and every 10th re-sends an earlier key to another process.
 * After the load every key that met an error is sent again (as a client retries), then the check:
 * each key answered `replayed: false` exactly once, and each customer's wallet holds exactly as
 * many api_calls as it has distinct keys.
 */
import type { ChildProcess } from "node:child_process";
import { createCustomer } from "../../core/customers";
import { getWallet } from "../../core/db/wallets";
import { units } from "../../core/money";
import { subscribe } from "../../core/subscriptions";
import { apiClient, benchDeps, seedMonthlyPlan, startServer, TABLE } from "../harness";
import { inParallel, runCount, runLoad, type LoadResult } from "../lib";
import { keyOf, log } from "./context";

const PROCESSES = 4;
const CUSTOMERS = 40;
const CONCURRENCY = 32;
const TRACK = "mutation T($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }";

type Run = LoadResult & { requestsPerSec: number };

export type ProcessesResult = {
  processes: number;
  customers: number;
  concurrency: number;
  one: Run;
  four: Run;
  /** Distinct keys sent, keys recorded (answered replayed: false) more than once, and requests re-sent after an error. */
  keys: number;
  firstAnswers: number;
  recordedTwice: number;
  resent: number;
  /** Sum over the wallets of api_calls, against the distinct keys; customers whose count differs. */
  walletTotal: number;
  walletMismatches: number;
  exact: boolean;
};

export async function measureProcesses(endpoint: string, runMs: number): Promise<ProcessesResult> {
  const table = `${TABLE}-processes`;
  const deps = await benchDeps(endpoint, table);
  log(`bench: ${PROCESSES} API processes on one table, ${CUSTOMERS} customers...`);
  await seedMonthlyPlan(deps);
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `p-${String(i).padStart(3, "0")}`);
  await inParallel(customers, 8, async (id) => {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "bench-monthly");
  });
  const children: ChildProcess[] = [];
  try {
    const apis: ReturnType<typeof apiClient>[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const { child, port } = await startServer({ endpoint, env: { BILLING_TABLE: table } });
      children.push(child);
      apis.push(apiClient(port));
    }
    const keysOf = new Map<string, Set<string>>(customers.map((c) => [c, new Set()]));
    const firsts = new Map<string, number>();
    const errored: { customerId: string; key: string }[] = [];
    let requests = 0;
    let rr = 0;
    const send = async (server: number, customerId: string, key: string) => {
      keysOf.get(customerId)!.add(key);
      requests++;
      try {
        const data = await apis[server % PROCESSES]!.gql(TRACK, {
          i: { customerId, feature: "api_calls", idempotencyKey: key },
        });
        if (!data.trackUsage.replayed) firsts.set(key, (firsts.get(key) ?? 0) + 1);
      } catch (error) {
        errored.push({ customerId, key });
        throw error;
      }
    };
    let seq = 0;
    const workload = (processes: number, prefix: string) => async (n: number) => {
      const customerId = customers[n % CUSTOMERS]!;
      const key = keyOf(`${prefix}${seq}`, n);
      const server = rr++;
      const to = (offset: number) => (server + offset) % processes;
      if (n % 10 === 3) {
        // One key to two processes at once.
        await Promise.allSettled([send(to(0), customerId, key), send(to(1), customerId, key)]);
      } else if (n % 10 === 7) {
        // Operation n - 5's key (a plain track), again, to another process.
        await send(to(2), customers[(n - 5) % CUSTOMERS]!, keyOf(`${prefix}${seq}`, n - 5));
      } else await send(to(0), customerId, key);
    };
    log("  warming up each process...");
    for (let i = 0; i < PROCESSES; i++)
      await runCount(8, 600, (n) => send(i, customers[n % CUSTOMERS]!, keyOf(`warm${i}`, n)));
    const timed = async (processes: number, prefix: string): Promise<Run> => {
      seq++;
      const before = requests;
      const run = await runLoad(CONCURRENCY, runMs, workload(processes, prefix), 0);
      return { ...run, requestsPerSec: (requests - before) / run.seconds };
    };
    const one = await timed(1, "one");
    const four = await timed(PROCESSES, "four");
    log(
      `  1 process ${one.requestsPerSec.toFixed(0)} requests/s, ${PROCESSES} processes ${four.requestsPerSec.toFixed(0)} requests/s`,
    );
    // A client retries what met an error; its key is then decided.
    const resend = errored.splice(0);
    for (const [i, r] of resend.entries()) await send(i, r.customerId, r.key);

    let keys = 0;
    let walletTotal = 0;
    let walletMismatches = 0;
    for (const id of customers) {
      const expected = keysOf.get(id)!.size;
      keys += expected;
      const used = (await getWallet(deps.db, id))!.usage.api_calls ?? 0n;
      if (used % units(1) !== 0n) walletMismatches++;
      const count = Number(used / units(1));
      walletTotal += count;
      if (count !== expected) walletMismatches++;
    }
    const firstAnswers = [...firsts.values()].reduce((s, x) => s + x, 0);
    const recordedTwice = [...firsts.values()].filter((x) => x > 1).length;
    const exact = walletMismatches === 0 && recordedTwice === 0 && firstAnswers === keys && walletTotal === keys;
    return {
      processes: PROCESSES,
      customers: CUSTOMERS,
      concurrency: CONCURRENCY,
      one,
      four,
      keys,
      firstAnswers,
      recordedTwice,
      resent: resend.length,
      walletTotal,
      walletMismatches,
      exact,
    };
  } finally {
    for (const child of children) child.kill("SIGTERM");
  }
}

export function renderProcesses(r: ProcessesResult): string {
  const run = (x: Run) =>
    `${x.requestsPerSec.toFixed(0)} requests/s (p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, ${x.errors} errors)`;
  return [
    `${r.processes} API processes on one table, c${r.concurrency} over ${r.customers} customers (1 in 10 operations sends one key to two processes at once, 1 in 10 re-sends an earlier key to another process): ${r.processes} processes ${run(r.four)}; 1 process ${run(r.one)}`,
    `  exactly once: ${r.keys} distinct keys, ${r.firstAnswers} answered replayed: false (${r.recordedTwice} keys twice), ${r.resent} re-sent after an error; wallets hold ${r.walletTotal} api_calls, ${r.walletMismatches} customers off: ${r.exact ? "EXACT" : "NOT EXACT"}`,
  ].join("\n");
}
