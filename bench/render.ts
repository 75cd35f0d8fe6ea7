/**
 * The table `npm run bench` prints (docs/performance.md shows one): a header about the machine
 * and the warm-up, then one row per measurement with ops/s, latency percentiles, the ratio to the
 * raw baseline and notes; and the line `--only catch-up` or `--only webhooks` prints.
 */
import type { LifecycleClosesResult, LifecycleRun } from "./measure/lifecycle-closes";
import type { LevelRun, LevelsResult } from "./measure/levels";
import type { AddOnCloseRun, AddOnsResult } from "./measure/add-ons";
import { clientRows } from "./client";
import type { LoadResult } from "./lib";
import { perOp } from "./lib";
import { CONCURRENCIES } from "./measure/track";
import { MIX } from "./measure/context";
import type { CatchUpResult } from "./measure/catch-up";
import type { TierClosesResult } from "./measure/tier-closes";
import type { GraceClosesResult } from "./measure/grace-closes";
import type { WebhooksResult } from "./measure/webhooks";
import type { AlertWebhookResult } from "./measure/alert-webhook";
import type { PreviewsResult } from "./measure/previews";
import type { PortalResult } from "./measure/portal";
import type { Results } from "./results";

export function renderCatchUp(c: CatchUpResult): string {
  return [
    `catch-up of ${c.periods} DAY periods, one customer: sweeper ${c.sweep.periodsPerSec.toFixed(0)} periods/s (${c.sweep.seconds.toFixed(2)} s, ${fmtReq(c.sweep.requestsPerPeriod)} per period); lazily by a trackUsage ${c.track.periodsPerSec.toFixed(0)} periods/s (${c.track.seconds.toFixed(2)} s, ${fmtReq(c.track.requestsPerPeriod)} per period)`,
  ].join("\n");
}

export function renderTierCloses(t: TierClosesResult): string {
  return `closes of ${t.due} due DAY subscriptions: one overage price (${t.linesPerInvoice.plain} lines) ${t.plain.closesPerSec.toFixed(0)}/s (${fmtReq(t.plain.requestsPerClose)} per close); GRADUATED tiers with a flat fee (${t.linesPerInvoice.tiered} lines) ${t.tiered.closesPerSec.toFixed(0)}/s (${fmtReq(t.tiered.requestsPerClose)} per close)`;
}

export function renderGraceCloses(g: GraceClosesResult): string {
  return `closes of ${g.due} due DAY subscriptions: no grace period ${g.plain.perSec.toFixed(0)}/s (${fmtReq(g.plain.requestsPerPeriod)} per period); BILLING_GRACE_PERIOD=PT1H: the roll at the period's end ${g.roll.perSec.toFixed(0)}/s (${fmtReq(g.roll.requestsPerPeriod)}), the invoice at the grace end ${g.issue.perSec.toFixed(0)}/s (${fmtReq(g.issue.requestsPerPeriod)}), together ${g.total.perSec.toFixed(0)} periods/s (${fmtReq(g.total.requestsPerPeriod)} per period)`;
}

export function renderPreviews(p: PreviewsResult): string {
  const line = (name: string, r: PreviewsResult["upcomingInvoice"]) =>
    `${name} ${r.opsPerSec.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${fmtReq(r.requestsPerPreview)} per preview${r.errors ? `, ${r.errors} errors` : ""})`;
  return `previews in process, c8 over ${p.customers} customers: ${line("previewPlanChange", p.previewPlanChange)}; ${line("upcomingInvoice", p.upcomingInvoice)}`;
}

export function renderLifecycleCloses(l: LifecycleClosesResult): string {
  const run = (r: LifecycleRun) =>
    `${r.closesPerSec.toFixed(0)} closes/s (${r.closes} in ${r.seconds.toFixed(2)} s, ${fmtReq(r.requestsPerClose)} per close)`;
  return `closes by the sweeper, ${l.customers} DAY customers: plain ${run(l.plain)}; with a 50% coupon and account credit ${run(l.offer)}`;
}

export function renderLevels(l: LevelsResult): string {
  const line = (name: string, r: LevelRun) =>
    `${name} ${r.opsPerSec.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${fmtReq(r.requestsPerChange)} per change${r.errors ? `, ${r.errors} errors` : ""})`;
  return `seat and quota changes in process, c8: over ${l.customers} customers ${line("setSeats", l.seats)}; ${line("adjustQuota", l.quota)}; one customer's one feature ${line("setSeats", l.seatsOneCustomer)}; ${line("adjustQuota", l.quotaOneCustomer)}`;
}

export function renderAddOns(a: AddOnsResult): string {
  const r = a.attach;
  const close = (name: string, c: AddOnCloseRun) =>
    `${name} ${c.closesPerSec.toFixed(0)}/s (${c.closes} in ${c.seconds.toFixed(2)} s; ${fmtReq(c.requestsPerClose)} per close)`;
  return `add-ons in process: attachAddOn c8 ${r.opsPerSec.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${fmtReq(r.requestsPerAttach)} per attach${r.errors ? `, ${r.errors} errors` : ""}); sweeper closes of ${a.customers} DAY-plan customers: ${close("plain", a.plain)}; ${close("with 3 add-ons (3 ADD_ON lines)", a.withAddOns)}`;
}

export function renderPortal(p: PortalResult): string {
  const line = (name: string, r: PortalResult["home"]) =>
    `${name} ${r.opsPerSec.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${fmtReq(r.requestsPerOp)}${r.errors ? `, ${r.errors} errors` : ""})`;
  return `the portal in process (GraphQL layer, no HTTP), c8 over ${p.customers} customers: ${line("createPortalSession", p.createPortalSession)}; ${line("home page query", p.home)}; ${line("invoice page query", p.invoice)}`;
}

export function renderWebhooks(w: WebhooksResult): string {
  return `webhooks to a local receiver, ${w.deliveries} deliveries: fan-out + first attempt ${w.publish.perSec.toFixed(0)}/s (${w.publish.seconds.toFixed(2)} s; ${fmtReq(w.publish.requestsPerDelivery)} per delivery); retries by the due pass ${w.retry.perSec.toFixed(0)}/s (${w.retry.seconds.toFixed(2)} s; ${fmtReq(w.retry.requestsPerDelivery)} per delivery)`;
}

export function renderAlertWebhook(a: AlertWebhookResult): string {
  const d = (x: AlertWebhookResult["alert"]) =>
    `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, max ${x.max.toFixed(1)} ms`;
  const s = a.steady;
  return `track crossing a threshold -> its webhook at a local receiver (in-process delivery, ${a.crossings} crossings, each alone): usage.threshold_reached ${d(a.threshold)}; alert.triggered ${d(a.alert)}. A steady-state track (${s.tracks}): ${s.transactions.toFixed(2)} transactions, ${s.items.toFixed(2)} items, write units by AWS's rules ${s.putWriteUnits.toFixed(2)} (event) + ${s.walletWriteUnits} (wallet update, ${s.walletBytes} B item, no threshold state) (DynamoDB Local reports ${s.reportedWrite.toFixed(2)})`;
}

const wcuParts = (b: { puts: number; index: number; wallet: number }) =>
  `puts ${b.puts.toFixed(2)} + timeline index ${b.index.toFixed(2)} + wallet ${b.wallet.toFixed(2)}`;

/** The table; a run of some sections only (`--only`) prints the rows of those. */
export function render(r: Partial<Results>): string {
  const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "-");
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
  const rows: string[][] = [["measurement", "ops/s", "p50 ms", "p99 ms", "vs raw", "notes"]];
  const load = (name: string, l: LoadResult, base?: LoadResult, note = "") =>
    rows.push([
      name,
      f0(l.opsPerSec),
      f1(l.p50),
      f1(l.p99),
      base ? `${f2(l.opsPerSec / base.opsPerSec)}x` : "",
      `${note}${l.errors ? ` ${l.errors} errors: ${l.firstError}` : ""}`.trim(),
    ]);
  if (r.cpu)
    for (const [name, line] of [
      ["server CPU per trackUsage, c1, 1 customer", r.cpu.track],
      ["server CPU per entitlement check, c1", r.cpu.entitlement],
    ] as const)
      rows.push([
        name,
        "",
        "",
        "",
        "",
        `${line.medianMs.toFixed(3)} CPU ms/request, median of ${line.roundsMs.length} rounds of ${line.requestsPerRound} (${line.roundsMs.map((x) => x.toFixed(3)).join(", ")}); audit log on`,
      ]);
  if (r.cpu?.lambda)
    for (const [name, line] of [
      ["server CPU per trackUsage through the Lambda handler", r.cpu.lambda.track],
      ["server CPU per check through the Lambda handler", r.cpu.lambda.entitlement],
    ] as const)
      rows.push([
        name,
        "",
        "",
        "",
        "",
        `${line.medianMs.toFixed(3)} CPU ms/request, median of ${line.roundsMs.length} rounds of ${line.requestsPerRound} (${line.roundsMs.map((x) => x.toFixed(3)).join(", ")}); functions/graphql.ts in-process, API Gateway v2 events, audit log on; informational`,
      ]);
  for (const c of r.track ? CONCURRENCIES : []) {
    const t = r.track![`c${c}`];
    load(`raw TransactWriteItems, c${c}, 1 customer`, t.rawHot);
    load(`trackUsage (GraphQL/HTTP), c${c}, 1 customer`, t.apiHot, t.rawHot, reqNote(t.apiHotStats));
    load(`raw TransactWriteItems, c${c}, ${MIX} customers`, t.rawMix);
    load(`trackUsage (GraphQL/HTTP), c${c}, ${MIX} customers`, t.apiMix, t.rawMix, reqNote(t.apiMixStats));
  }
  for (const [c, rep] of [
    [1, r.track?.c1Repeats],
    [8, r.track?.c8Repeats],
  ] as const)
    if (rep)
      rows.push([
        `c${c}, 1 customer, 3 interleaved runs`,
        "",
        "",
        "",
        `${rep.ratio.map(f2).join(" / ")}`,
        `raw ${rep.raw.map(f0).join("/")}, api ${rep.api.map(f0).join("/")} ops/s${rep.p50Added ? `; p50 added ${rep.p50Added.map((x) => x.toFixed(2)).join(" / ")} ms` : ""}`,
      ]);
  const b = r.batch;
  for (const [name, run, note, ratio] of !b
    ? []
    : ([
        [
          "raw 100-item TransactWriteItems (98 events), c1",
          b.raw100.c1,
          `the product's own items, from the bench process; ${b.raw100.c1.retries ?? 0} SDK retries`,
          "",
        ],
        [
          "trackUsageBatch of 100, c1, 1 customer",
          b.c1,
          `${fmtReq(b.requestsPer100)} per 100 events; server CPU ${f1(b.serverCpuMsPerBatch.c1)} ms/batch; rounds ${(b.roundRatios?.c1 ?? []).map(f2).join(", ")}`,
          `${f2(b.ratio.c1)}x`,
        ],
        [
          "raw 2 x 52-item transactions (100 events), c1",
          b.rawAsSent.c1,
          "what a batch of 100 sends, from the bench process",
          "",
        ],
        [
          "raw 100-item TransactWriteItems (98 events), c4",
          b.raw100.c4,
          `4 customers; ${b.raw100.c4.retries ?? 0} SDK retries`,
          "",
        ],
        [
          "trackUsageBatch of 100, c4, 4 customers",
          b.c4,
          `${fmtReq(b.requestsPer100c4)} per 100 events; server CPU ${f1(b.serverCpuMsPerBatch.c4)} ms/batch; rounds ${(b.roundRatios?.c4 ?? []).map(f2).join(", ")}`,
          `${f2(b.ratio.c4)}x`,
        ],
        [
          "raw 2 x 52-item transactions (100 events), c4",
          b.rawAsSent.c4,
          `4 customers; ${b.rawAsSent.c4.retries ?? 0} SDK retries`,
          "",
        ],
      ] as const))
    rows.push([name, `${f0(run.eventsPerSec)} ev/s`, f1(run.p50), f1(run.p99), ratio, note]);
  if (r.entitlement) {
    load("raw GetItem (consistent), c8", r.entitlement.rawGetItem);
    load(
      "entitlement (GraphQL/HTTP), c8",
      r.entitlement.api,
      r.entitlement.rawGetItem,
      `${fmtReq(r.entitlement.requestsPerCheck)} per check`,
    );
  }
  if (r.client) rows.push(...clientRows(r.client));
  const cl = r.closes;
  if (cl)
    rows.push([
      `closeDuePeriods, ${cl.due} due`,
      `${f0(cl.closesPerSec)} closes/s`,
      "",
      "",
      `${f2(cl.ratioToRawTx)}x`,
      `vs raw tx c8 (${f0(cl.rawTxPerSecC8)}/s); ${cl.closed} closed, ${cl.failed} failed, ${f1(cl.durationMs / 1000)} s; ${fmtReq(cl.requestsPerClose)} per close`,
    ]);
  if (r.catchUp)
    rows.push([
      `catch-up, ${r.catchUp.periods} DAY periods behind`,
      `${f0(r.catchUp.sweep.periodsPerSec)} periods/s`,
      "",
      "",
      "",
      `sweeper ${f1(r.catchUp.sweep.seconds)} s (${fmtReq(r.catchUp.sweep.requestsPerPeriod)} per period); lazily by a trackUsage ${f0(r.catchUp.track.periodsPerSec)} periods/s`,
    ]);
  if (r.webhooks)
    rows.push([
      `webhooks, ${r.webhooks.deliveries} to a local receiver`,
      `${f0(r.webhooks.publish.perSec)} deliveries/s`,
      "",
      "",
      "",
      `fan-out + first attempt, 8 workers x 10 events (${fmtReq(r.webhooks.publish.requestsPerDelivery)} per delivery); retries by the due pass ${f0(r.webhooks.retry.perSec)}/s`,
    ]);
  const pr = r.processes;
  if (pr)
    rows.push([
      `${pr.processes} API processes, c${pr.concurrency}, ${pr.customers} customers`,
      `${f0(pr.four.requestsPerSec)} req/s`,
      f1(pr.four.p50),
      f1(pr.four.p99),
      "",
      `1 process ${f0(pr.one.requestsPerSec)} req/s; ${pr.keys} keys, ${pr.firstAnswers} recorded, wallets ${pr.walletTotal}: ${pr.exact ? "exact" : "NOT EXACT"}`,
    ]);
  const cs = r.coldStart;
  for (const [name, s] of Object.entries(
    (cs?.bundles ?? {}) as Record<string, { bytes: number; sdkBytes: number; totalBytes?: number }>,
  ))
    rows.push([
      `bundle ${name}`,
      "",
      "",
      "",
      "",
      `${(s.bytes / 1e6).toFixed(3)} MB minified loaded at a cold start (AWS SDK ${(s.sdkBytes / 1e6).toFixed(3)} MB)${s.totalBytes ? `; ${(s.totalBytes / 1e6).toFixed(3)} MB with the lazily loaded chunks` : ""}`,
    ]);
  if (cs)
    rows.push([
      "cold start: spawn -> first response",
      "",
      f0(cs.medianSpawnToResponseMs),
      "",
      "",
      `median of ${cs.runs.length}: ${cs.runs.map((x: { spawnToResponseMs: number }) => f0(x.spawnToResponseMs)).join(", ")} ms; import ${f0(cs.medianImportMs)} ms after process start; CPU ${f0(cs.medianImportCpuMs)} ms to import, ${f0(cs.medianResponseCpuMs)} ms to the response`,
    ]);
  const c = r.cost;
  if (c)
    rows.push([
      "cost, single trackUsage",
      `$${f2(c.single.usdPerMillion.total)}/M`,
      "",
      "",
      "",
      `${fmtReq(c.single.requestsPerEvent)}; ${f2(c.single.wcuPerEvent)} WCU (${wcuParts(c.single.wcuBreakdown)}) + ${f2(c.single.rruPerEvent)} RRU/event; DynamoDB $${f2(c.single.usdPerMillion.dynamo)} + Lambda $${f2(c.single.usdPerMillion.lambda)} (${c.single.lambdaMs} ms) + API GW $${f2(c.single.usdPerMillion.apiGateway)}`,
    ]);
  const u = r.unitsByItem;
  const idx = (x: { indexes: Record<string, number> }) =>
    Object.entries(x.indexes)
      .map(([k, v]) => ` + ${k} ${f2(v)}`)
      .join("");
  if (u)
    rows.push([
      "write units of a single event, reported",
      `${f2(u.whole.total)} WCU`,
      "",
      "",
      "",
      `DynamoDB Local's ConsumedCapacity: the whole transaction ${f2(u.whole.total)} (table ${f2(u.whole.table)}${idx(u.whole)}); alone in a transaction, the event put ${f2(u.event.total)} (table ${f2(u.event.table)}${idx(u.event)}), the wallet update ${f2(u.wallet.total)} (table ${f2(u.wallet.table)}${idx(u.wallet)})`,
    ]);
  if (c)
    rows.push([
      "cost, batched (100/request)",
      `$${f2(c.batched.usdPerMillion.total)}/M`,
      "",
      "",
      "",
      `${f2(c.batched.wcuPerEvent)} WCU (${wcuParts(c.batched.wcuBreakdown)}) + ${f2(c.batched.rruPerEvent)} RRU/event; DynamoDB $${f2(c.batched.usdPerMillion.dynamo)} + Lambda $${f2(c.batched.usdPerMillion.lambda)} (${c.batched.lambdaMsPerBatch} ms/batch) + API GW $${f2(c.batched.usdPerMillion.apiGateway)}`,
    ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i >= 1 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const header = [
    `Benchmark on ${r.machine?.cpus} CPUs, Node ${r.machine?.node}, DynamoDB Local in memory; API server in production clock mode (BILLING_CLOCK=real).`,
    r.warmup?.perSide
      ? `Warm-up before measuring: ${r.warmup.perSide} raw transactions and ${r.warmup.perSide} trackUsage calls, alternating (${f0(r.warmup.seconds)} s).`
      : "No warm-up (--no-warmup): the first rows include the JIT of the API server and of DynamoDB Local.",
    `Event item ${r.items?.eventItemBytes} B, wallet item ${r.items?.walletItemBytes} B; capacity from item sizes (transactional write 2 WCU/KB/item, GSI 1 WCU/KB).`,
    ...(r.singleTrack
      ? [
          `DynamoDB Local reported capacity on ${r.singleTrack.reported.responsesWithCapacity} responses of the steady-state run (per event: ${f2(r.singleTrack.reported.write)} WCU, ${f2(r.singleTrack.reported.read)} RCU, GSI ${f2(r.singleTrack.reported.gsiWrite)}).`,
        ]
      : []),
    "",
  ];
  return [...header, line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join(
    "\n",
  );
}

function fmtReq(m: Record<string, number> | undefined): string {
  if (!m) return "";
  const short: Record<string, string> = {
    TransactWriteItems: "tx",
    GetItem: "get",
    Query: "query",
    UpdateItem: "update",
    PutItem: "put",
    BatchWriteItem: "batchwrite",
  };
  return Object.entries(m)
    .map(([k, v]) => `${Number.isInteger(v) ? v : v.toFixed(2)} ${short[k] ?? k}`)
    .join(" + ");
}

function reqNote(stats: {
  requests: Record<string, number>;
  graphqlRequests: number;
  cpuMsPerRequest?: number;
}): string {
  return `${fmtReq(perOp(stats.requests, stats.graphqlRequests))} per track; API CPU ${(stats.cpuMsPerRequest ?? NaN).toFixed(1)} ms/request`;
}
