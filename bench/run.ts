/**
 * `npm run bench`: the API's hot path against the raw database, in one run.
 *
 * Starts its own DynamoDB Local (in memory), seeds it through core functions, starts the API as a
 * separate Node process (bench/server.ts, production clock mode BILLING_CLOCK=real) and measures,
 * one module of bench/measure/ per section: the raw TransactWriteItems a track issues,
 * trackUsage / trackUsageBatch / entitlement over HTTP, closeDuePeriods over 10,000 due
 * subscriptions, the Lambda bundles' sizes and cold start, the cost per tracked event, and one
 * customer three years of DAY periods behind caught up (section 8), once through the sweeper and
 * once lazily through a track, in periods per second, and webhook deliveries per second to a
 * local receiver (section 9). Prints one table (bench/render.ts) and writes bench/results.json.
 *
 *   npm run bench [-- --quick] [-- --no-warmup] [-- --check] [-- --only <section>[,<section>...]]
 *     --check: after the table, the budget of issue 22 (bench/budget.ts) line by line as PASS or
 *       MISS; the run exits 1 when a line misses. With --only, the lines of those sections only
 *     --only cpu|track|entitlement|batch|cost|cold-start: sections of the full run by themselves
 *       (with the seeding, API server and warm-up they need), printed as their budget lines and
 *       numbers; cpu (the server's CPU per track and per entitlement check, c1, rounds) is one too
 *     --quick: shorter runs, 2,000 closes, a 3,000-operation warm-up; for trying things out
 *     --no-warmup: measure from a cold API server and DynamoDB Local (see section 0)
 *     --only catch-up: section 8 alone (no API server), printed as its one line
 *     --only webhooks: section 9 alone (no API server), printed as its one line
 *     --only alert-webhook: a track crossing a threshold to its webhook at a local receiver, and a
 *       steady-state track's writes, alone, printed as its one line
 *     --only tier-closes: closes of a plan with tiered overage against one overage price,
 *       alone (no API server), printed as its one line
 *     --only previews: previewPlanChange and upcomingInvoice in process (no API server), one line
 *     --only grace-closes: closes without a grace period against BILLING_GRACE_PERIOD=PT1H (the roll
 *       and the invoice at the grace end), alone (no API server), one line
 *     --only levels: setSeats and adjustQuota in process (no API server), spread over 64 customers
 *       and all on one customer's feature (bench/measure/levels.ts); one line
 *     --only addons: attachAddOn in process over 200 customers, and sweeper closes with three
 *       add-ons each against plain ones (bench/measure/add-ons.ts); one line
 *     --only portal: createPortalSession and the portal page's reads with a portal token, in
 *       process through the GraphQL layer (bench/measure/portal.ts), one line
 *     --only ai-costs: section 10 alone (no API server): aiCostReport for a month over 10,000
 *       customers and 1,000,000 events (bench/measure/ai-costs.ts)
 *     --only lifecycle-closes: closes plain and with a coupon and account credit, alone
 *     --only reserve: reserveUsage + settleReservation pairs vs the raw transaction (its own API server), one line
 *     --only processes: the API as 4 processes on one table against 1, and exactly-once totals after (budget item 8)
 *     --only adjustments: applyCoupon/removeCoupon, grantAccountCredit, grantCredits, adjustUsage in process
 *     --only scale: 100,000 customers (`--customers N` for another size): the sweeper closing all their
 *       due periods against the raw transaction rate, peak RSS, and a page of customers, invoices and
 *       aiCostReport at that size (budget item 7; 10,000 customers with --quick)
 *     --only coverage: which bench line measures each operation of this wave (budget item 9)
 *   Every section --only names runs on a DynamoDB Local of its own (onOwnDynamo); a full run runs
 *   the table's sections on one, then catch-up, webhooks and processes, then every section of
 *   FULL_RUN_ALONE (every other section, scale last), each on its own, and prints their lines
 *   after the table.
 */
import { measureAiCosts, renderAiCosts } from "./measure/ai-costs";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { clientBench } from "./client";
import { apiClient, root, startServer } from "./harness";
import { measureBatch } from "./measure/batch";
import { measureCatchUp } from "./measure/catch-up";
import { measureCloses } from "./measure/closes";
import { measureTierCloses } from "./measure/tier-closes";
import { measureGraceCloses } from "./measure/grace-closes";
import { measureColdStart } from "./measure/cold-start";
import { log, seedBench, type Settings, withApi } from "./measure/context";
import { costPerEvent, measureUnitsByItem } from "./measure/cost";
import { measureEntitlement } from "./measure/entitlement";
import { measureSingleTrack, measureTrack, walletItemBytes } from "./measure/track";
import { warmUp } from "./measure/warmup";
import { measureWebhooks } from "./measure/webhooks";
import { measureAlertWebhook } from "./measure/alert-webhook";
import { measurePreviews } from "./measure/previews";
import { measurePortal } from "./measure/portal";
import {
  render,
  renderAlertWebhook,
  renderCatchUp,
  renderGraceCloses,
  renderLevels,
  renderAddOns,
  renderLifecycleCloses,
  renderPortal,
  renderPreviews,
  renderTierCloses,
  renderWebhooks,
} from "./render";
import { measureLifecycleCloses } from "./measure/lifecycle-closes";
import { measureReserve, renderReserve } from "./measure/reserve";
import { measureLevels } from "./measure/levels";
import { measureAddOns } from "./measure/add-ons";
import type { Results } from "./results";
import { checkBudget, renderBudget } from "./budget";
import { measureCpu } from "./measure/cpu";
import { measureProcesses, renderProcesses } from "./measure/processes";
import { measureAdjustments, renderAdjustments } from "./measure/adjustments";
import { measureScale, renderScale } from "./measure/scale";
import { arg } from "./lib";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const QUICK = process.argv.includes("--quick");
const SETTINGS: Settings = {
  quick: QUICK,
  runMs: QUICK ? 1_500 : 3_000,
  closes: QUICK ? 2_000 : 10_000,
  warmup: process.argv.includes("--no-warmup") ? 0 : QUICK ? 3_000 : 6_000,
};
const ONLY = process.argv.includes("--only")
  ? (process.argv[process.argv.indexOf("--only") + 1] ?? "").split(",").filter(Boolean)
  : undefined;
const CHECK = process.argv.includes("--check");

/** Sections of the full run that `--only` also runs by themselves (each needs the API server). */
const OF_FULL_RUN = ["cpu", "track", "entitlement", "batch", "cost", "cold-start"] as const;

/** The sections `--only` runs by themselves, each printed as its own line(s). */
const ALONE: Record<string, (endpoint: string) => Promise<string>> = {
  "catch-up": async (endpoint) => renderCatchUp(await measureCatchUp(endpoint)),
  webhooks: async (endpoint) => renderWebhooks(await measureWebhooks(endpoint, QUICK)),
  "alert-webhook": async (endpoint) => renderAlertWebhook(await measureAlertWebhook(endpoint, QUICK)),
  "tier-closes": async (endpoint) => renderTierCloses(await measureTierCloses(endpoint, QUICK)),
  "grace-closes": async (endpoint) => renderGraceCloses(await measureGraceCloses(endpoint, QUICK)),
  previews: async (endpoint) => renderPreviews(await measurePreviews(endpoint, SETTINGS.runMs)),
  portal: async (endpoint) => renderPortal(await measurePortal(endpoint, SETTINGS.runMs)),
  "ai-costs": async (endpoint) => renderAiCosts(await measureAiCosts(endpoint, QUICK)),
  "lifecycle-closes": async (endpoint) => renderLifecycleCloses(await measureLifecycleCloses(endpoint, QUICK)),
  reserve: async (endpoint) => {
    alone.reserve = await measureReserve(endpoint, SETTINGS.runMs);
    return renderReserve(alone.reserve);
  },
  levels: async (endpoint) => renderLevels(await measureLevels(endpoint, SETTINGS.runMs)),
  addons: async (endpoint) => renderAddOns(await measureAddOns(endpoint, SETTINGS.runMs, QUICK)),
  processes: async (endpoint) => {
    alone.processes = await measureProcesses(endpoint, SETTINGS.runMs);
    return renderProcesses(alone.processes);
  },
  adjustments: async (endpoint) => renderAdjustments(await measureAdjustments(endpoint, SETTINGS.runMs)),
  scale: async (endpoint) => {
    alone.scale = await measureScale(endpoint, Number(arg("customers", QUICK ? "10000" : "100000")));
    return renderScale(alone.scale);
  },
  coverage: async () => {
    alone.coverage = coverage();
    return renderCoverage(alone.coverage);
  },
};

/**
 * Runs a section on a DynamoDB Local of its own, stopped after it. One shared by several sections
 * slows each later one down: DynamoDB Local looks up the table's stream description for every
 * item of every transaction (seen in jstack: its one SQLite thread busy in getStreamDescription),
 * and that lookup grows with what earlier sections wrote. A catch-up run after the full run's
 * 20,000 tracks and 10,000 closes took over 10 minutes instead of seconds.
 */
async function onOwnDynamo<T>(section: (endpoint: string) => Promise<T>): Promise<T> {
  const own = await startDynamoLocal();
  try {
    return await section(own.endpoint);
  } finally {
    await own.stop();
  }
}

/**
 * The sections a full run adds after its table, each on its own DynamoDB Local (`processes` is
 * already in the table), `scale` last: it seeds 100,000 customers (10,000 with --quick), about 8
 * minutes of a quiet 2-CPU machine.
 */
const FULL_RUN_ALONE = [
  "reserve",
  "alert-webhook",
  "levels",
  "adjustments",
  "previews",
  "portal",
  "tier-closes",
  "grace-closes",
  "lifecycle-closes",
  "addons",
  "ai-costs",
  "scale",
] as const;

/** What the sections run alone measured, for `--check`. */
const alone: Partial<Results> = {};

/**
 * Budget item 9: the operations issues 15 to 18 added, each with the `--only` section that
 * measures it.
 */
const WAVE_OPERATIONS: Record<string, string> = {
  "reserveUsage + settleReservation": "reserve",
  "webhook deliveries (fan-out, first attempt, retries)": "webhooks",
  "a threshold's webhook (alerts)": "alert-webhook",
  "setSeats, adjustQuota": "levels",
  "a close with tiers": "tier-closes",
  "a close with a coupon and account credit": "lifecycle-closes",
  "a close with a grace period": "grace-closes",
  "applyCoupon, removeCoupon, grantAccountCredit, grantCredits, adjustUsage": "adjustments",
  "previewPlanChange, upcomingInvoice": "previews",
  "createPortalSession, the portal's reads": "portal",
  aiCostReport: "ai-costs",
  "createAddOn, attachAddOn, a close with add-ons": "addons",
};

function coverage(): NonNullable<Results["coverage"]> {
  const known = new Set([...Object.keys(ALONE), ...OF_FULL_RUN]);
  const lines = Object.entries(WAVE_OPERATIONS).map(([operation, section]) => ({
    operation,
    section,
    measured: known.has(section),
  }));
  return { lines, covered: lines.filter((l) => l.measured).length / lines.length };
}

function renderCoverage(c: NonNullable<Results["coverage"]>): string {
  return [
    "operations of this wave and their bench lines:",
    ...c.lines.map((l) => `  ${l.measured ? "" : "MISSING "}${l.operation}: --only ${l.section}`),
  ].join("\n");
}

async function main() {
  const started = performance.now();
  log(`bench: ${cpus().length} CPUs, ${QUICK ? "quick" : "full"} run; starting DynamoDB Local...`);
  const dynamo = await startDynamoLocal();
  let server: ChildProcess | undefined;
  try {
    if (ONLY) {
      const known = [...Object.keys(ALONE), ...OF_FULL_RUN];
      const unknown = ONLY.filter((name) => !known.includes(name));
      if (unknown.length || !ONLY.length)
        throw new Error(`--only: unknown section "${unknown.join(",")}" (known: ${known.join(", ")})`);
      for (const name of ONLY) if (ALONE[name]) console.log(await onOwnDynamo(ALONE[name]));
      const ofFullRun = ONLY.filter((name) => !ALONE[name]);
      let partial: Partial<Results> = { ...alone };
      if (ofFullRun.length) {
        partial = { ...alone, ...(await benchmark(dynamo.endpoint, (child) => (server = child), new Set(ofFullRun))) };
        console.log(render(partial));
      }
      log(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      if (CHECK) process.exitCode = check(partial, ONLY);
      return;
    }
    const results = (await benchmark(dynamo.endpoint, (child) => (server = child))) as Results;
    server?.kill("SIGTERM");
    server = undefined;
    await dynamo.stop();
    const lines: string[] = [];
    for (const name of FULL_RUN_ALONE) lines.push(await onOwnDynamo(ALONE[name]!));
    Object.assign(results, alone);
    results.coverage = coverage();
    results.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
    writeFileSync(join(root, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    console.log(render(results));
    console.log(`\n${lines.join("\n")}`);
    log(`bench: done in ${results.totalSeconds} s; results in bench/results.json`);
    if (CHECK) process.exitCode = check(results);
  } finally {
    server?.kill("SIGTERM");
    await dynamo.stop();
  }
}

/** Prints the budget lines this run decides; 1 when one misses. */
function check(results: Partial<Results>, sections?: string[]): number {
  const verdicts = checkBudget(results, sections);
  console.log(`\n${renderBudget(verdicts)}`);
  return verdicts.some((v) => !v.pass) ? 1 : 0;
}

/**
 * The sections in the order they run; each later one may use what an earlier one measured. With
 * `only`, just those (and what they need: cost needs the single track and the batch).
 */
async function benchmark(
  endpoint: string,
  onServer: (child: ChildProcess) => void,
  only?: Set<string>,
): Promise<Partial<Results>> {
  const want = (name: (typeof OF_FULL_RUN)[number]) =>
    !only || only.has(name) || (only.has("cost") && name === "batch");
  const seeded = await seedBench(endpoint);
  const out: Partial<Results> = {
    machine: { cpus: cpus().length, node: process.version, quick: QUICK },
    clock: "real (BILLING_CLOCK=real, production mode: no stored test clock read)",
    items: { ...seeded.items, walletItemBytes: 0 },
  };
  if (only && [...only].every((name) => name === "cold-start")) {
    out.coldStart = await measureColdStart(endpoint, SETTINGS); // 6: a fresh process, no API server needed
    return out;
  }
  log("bench: starting the API server (BILLING_CLOCK=real)...");
  const { child, port } = await startServer({ endpoint });
  onServer(child);
  const ctx = withApi(seeded, apiClient(port), SETTINGS);

  out.warmup = await warmUp(ctx); // 0
  if (want("cpu")) out.cpu = await measureCpu(ctx, endpoint); // 1 (budget item 1), and the Lambda handler's
  if (want("track")) out.track = await measureTrack(ctx); // 1 + 2
  if (want("track") || want("cost")) out.singleTrack = await measureSingleTrack(ctx);
  if (want("batch")) out.batch = await measureBatch(ctx); // 3
  if (want("entitlement")) out.entitlement = await measureEntitlement(ctx); // 4
  if (!only) {
    log("bench: the TypeScript client...");
    out.client = await clientBench(
      `http://127.0.0.1:${port}/graphql`,
      { track: "c-mix-001", batch: "c-batch-3" },
      { calls: QUICK ? 500 : 2_000, log },
    );
  }
  out.items = { ...seeded.items, walletItemBytes: await walletItemBytes(ctx) };
  if (!only) out.closes = await measureCloses(ctx, out.track!.c8.rawMix.opsPerSec); // 5
  if (want("cold-start")) out.coldStart = await measureColdStart(endpoint, SETTINGS); // 6
  if (out.singleTrack && out.batch) out.cost = costPerEvent(out.singleTrack, out.batch, out.items); // 7
  if (want("cost")) out.unitsByItem = await measureUnitsByItem(ctx);
  if (!only) {
    out.catchUp = await onOwnDynamo(measureCatchUp); // 8
    out.webhooks = await onOwnDynamo((own) => measureWebhooks(own, QUICK)); // 9
    out.processes = await onOwnDynamo((own) => measureProcesses(own, SETTINGS.runMs)); // budget item 8
  }
  return out;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
