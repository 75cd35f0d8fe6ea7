/**
 * `npm run soak -- --seed <n> --ops <n> --faults <rate> [--seeds <count>] [--concurrency <n>] [--shrink-runs <n>] [--grace <ms>]`
 *
 * Long runs of the reliability simulation (test/reliability): for each seed from --seed on
 * (--seeds of them, default 1), a workload of --ops operations (default 2000) at a fault rate of
 * --faults (default 0.1) against a DynamoDB Local of its own, started fresh, checked against the reference
 * model. A failure prints the seed, the violation, and the shortest operation list found (bounded
 * delta debugging, --shrink-runs runs, default 40) that still fails: rerun it with the same seed.
 * --grace runs the deployment with a grace period for late events (BILLING_GRACE_PERIOD) of that many ms,
 * 30% of the fresh tracks as late events, and timestamped adjustUsage corrections into ended periods.
 * Exit code 1 when any seed failed.
 */
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { customersOf, describeOp, generate, runWorkload, shrink, type Op } from "../test/reliability/workload";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function args(argv: string[]) {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const [name, inline] = a.slice(2).split("=", 2);
    options[name!] = inline ?? argv[++i] ?? "";
  }
  const num = (name: string, fallback: number) => {
    const v = options[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${v}"`);
    return n;
  };
  return {
    seed: num("seed", 1),
    seeds: num("seeds", 1),
    ops: num("ops", 2000),
    faults: num("faults", 0.1),
    concurrency: num("concurrency", 8),
    shrinkRuns: num("shrink-runs", 40),
    grace: num("grace", 0),
  };
}

async function main() {
  const o = args(process.argv.slice(2));
  // The sweeper logs every close an injected fault made fail (retried, and settled): keep the output to the verdicts.
  console.error = () => undefined;
  let local = await startDynamoLocal({ quickJvm: true });
  const started = Date.now();
  let failed = 0;
  const totals = {
    ops: 0,
    requests: 0,
    faults: 0,
    retries: 0,
    invoices: 0,
    events: 0,
    aiEvents: 0,
    reprices: 0,
    closed: 0,
    sweepFailures: 0,
  };
  try {
    for (let seed = o.seed; seed < o.seed + o.seeds; seed++) {
      // A fresh DynamoDB Local for every seed: one that ran earlier seeds grows slower even with
      // their tables deleted (about 13,000 requests a seed took 50, 76, 90, then 140 s in one
      // process; 540 s by its twelfth seed), so long soaks measured the JVM's state, not the code.
      if (seed > o.seed) {
        await local.stop();
        local = await startDynamoLocal({ quickJvm: true });
      }
      const ops = generate(seed, o.ops, { lateEvents: o.grace > 0 });
      const run = (list: Op[]) =>
        runWorkload({
          seed,
          ops: list,
          faultRate: o.faults,
          endpoint: local.endpoint,
          concurrency: o.concurrency,
          ...(o.grace ? { gracePeriodMs: o.grace } : {}),
        });
      const r = await run(ops);
      const faults = Object.values(r.faults).reduce((a, b) => a + b, 0);
      totals.ops += r.ops;
      totals.requests += r.requests;
      totals.faults += faults;
      totals.retries += r.clientRetries;
      totals.invoices += r.invoices;
      totals.events += r.events;
      totals.aiEvents += r.aiEvents;
      totals.reprices += r.reprices;
      totals.closed += r.sweeps.closed;
      totals.sweepFailures += r.sweeps.failed;
      console.log(
        `seed ${seed}: ${r.violations.length ? "FAIL" : "ok"} ${r.ops} ops in ${r.waves} waves, ${r.requests} requests, ${faults} faults ${JSON.stringify(r.faults)}, ` +
          `${r.clientRetries} client retries, ${r.invoices} invoices, ${r.events} events (${r.aiEvents} AI calls, ${r.reprices} reprices), ${r.thresholds} threshold events, money ${JSON.stringify(r.money)}, pricing ${JSON.stringify(r.pricing)}, reservations ${JSON.stringify(r.reservations)} ${JSON.stringify(r.holdCoverage)}, late ${JSON.stringify(r.late)}, lifecycle ${JSON.stringify(r.lifecycle)}, bounds refused ${r.bounds.badInput} + ${r.bounds.ceilings} at a ceiling, sweeper closed ${r.sweeps.closed} (failed ${r.sweeps.failed}), ${(r.durationMs / 1000).toFixed(1)} s`,
      );
      if (r.violations.length) {
        failed++;
        console.log(`  violation: ${r.violations[0]!.message}`);
        const failing = r.violations[0]!.op;
        // Operations after the first violation cannot matter for it.
        let prefix = failing === undefined ? ops : ops.filter((op) => op.id <= failing);
        // First try only the customers the violation names (and every clock move): usually enough.
        const named = new Set(r.violations[0]!.message.match(/cus-\d\d/g) ?? []);
        const projected = prefix.filter((op) => op.kind === "advance" || customersOf(op).some((c) => named.has(c)));
        if (named.size && projected.length < prefix.length && (await run(projected)).violations.length)
          prefix = projected;
        console.log(`  shrinking from ${prefix.length} ops`);
        const minimal = await shrink(
          prefix,
          async (list) => (await run(list)).violations.length > 0,
          { runs: o.shrinkRuns, ms: 10 * 60_000 },
          (l) => console.log(`  ${l}`),
        );
        const again = await run(minimal);
        console.log(`  shortest failing trace found (${minimal.length} ops, seed ${seed}, faults ${o.faults}):`);
        for (const op of minimal) console.log(`    ${describeOp(op)}`);
        console.log(`  its violation: ${again.violations[0]?.message ?? "(did not fail again: timing-dependent)"}`);
      }
    }
  } finally {
    await local.stop();
  }
  console.log(
    `soak: ${o.seeds} seed(s) from ${o.seed}, ${totals.ops} ops, ${totals.requests} DynamoDB requests, ${totals.faults} injected faults, ${totals.retries} client retries, ` +
      `${totals.invoices} invoices, ${totals.events} events (${totals.aiEvents} AI calls, ${totals.reprices} reprices), ${totals.closed} periods closed by the sweeper (${totals.sweepFailures} sweep failures, all settled), ` +
      `${failed} failed seed(s), ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
