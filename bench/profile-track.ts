/**
 * The API server's own CPU per request, for the hot path: starts DynamoDB Local (in memory), seeds
 * one customer as bench/run.ts does, starts bench/server.ts (its own process, production clock
 * mode) and fires requests at it in rounds, reporting the server's CPU milliseconds per request
 * (process.cpuUsage in the server: user + system, HTTP included). CPU per request is robust to
 * other load on the machine, where throughput is not.
 *
 *   npx tsx bench/profile-track.ts [--op track|entitlement|batch|both] [--requests 3000] [--concurrency 8]
 *                                  [--rounds 3] [--warmup 3000]
 *                                  [--profile [file.cpuprofile] | --perf [file]] [--top 40]
 *                                  [--node-flags="<flags for the server's node>"]
 *                                  [--ab "NAME=value ..."] [--ab-root <dir>]
 *                                  [--raw]
 *
 * --raw also replays the raw TransactWriteItems a track sends (as bench/run.ts does) in rounds
 * between the API's, and prints the API's rate over the raw rate: the issue-7 budget ratio, warm.
 * --ab runs a second server with the given environment (for an experiment switched by a variable)
 * and alternates rounds between the two, so both see the same machine load: compare B/A per round.
 * --profile records a V8 CPU profile of the server over the last round, writes it (open it in
 * Chrome DevTools or speedscope) and prints the heaviest functions and packages by self time.
 * V8's profiler samples wall time, so a server that waits for a core (DynamoDB Local's Java
 * shares the 2 cores) shows that wait in whatever it was doing, system calls above all.
 * --perf <file> instead records the last round with Linux `perf record` (CPU time only, kernel
 * included; the server runs with --perf-basic-prof so JavaScript frames have names); read it with
 * `perf report -i <file> --no-children --sort sym`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { arg, median, runCount } from "./lib";
import {
  apiClient,
  benchDeps,
  captureTrackTransaction,
  ENTITLEMENT,
  periodStartOf,
  rawClient,
  rawTrackInput,
  root,
  seedHotCustomer,
  startServer,
  TRACK,
  TRACK_BATCH,
} from "./harness";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const OP = arg("op", "track");
const REQUESTS = Number(arg("requests", "3000"));
const CONCURRENCY = Number(arg("concurrency", "8"));
const ROUNDS = Number(arg("rounds", "3"));
const PROFILE = process.argv.includes("--profile")
  ? arg("profile", "") || join(tmpdir(), `api-${OP}-${Date.now()}.cpuprofile`)
  : undefined;
const TOP = Number(arg("top", "40"));
/** Extra flags for the server's node, e.g. --node-flags="--max-semi-space-size=32". */
const NODE_FLAGS = arg("node-flags", "").split(" ").filter(Boolean);
const PERF = process.argv.includes("--perf")
  ? arg("perf", "") || join(tmpdir(), `api-${OP}-${Date.now()}.perf.data`)
  : undefined;
const WARMUP = Number(arg("warmup", "3000"));
/** A/B: a second server with these environment variables ("NAME=value ..."), rounds alternating. */
const AB = arg("ab", "");
/**
 * A/B of two checkouts: server A runs from this directory (e.g. `git archive HEAD` unpacked, with
 * node_modules linked), B from this one.
 */
const AB_ROOT = arg("ab-root", "");
/** Also replay the raw TransactWriteItems a track sends, in rounds between the API's, for the budget ratio. */
const RAW = process.argv.includes("--raw");

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const dynamo = await startDynamoLocal();
  const servers: ChildProcess[] = [];
  try {
    const deps = await benchDeps(dynamo.endpoint);
    await seedHotCustomer(deps);
    // --raw: the transaction a track sends, captured once and replayed from this process (as bench/run.ts does).
    const template = await captureTrackTransaction(deps, "c-hot", "k-capture");
    deps.db.raw.destroy();
    const raw = rawClient(dynamo.endpoint);
    const rawTx = (key: string) =>
      raw.send(new TransactWriteItemsCommand(rawTrackInput(template, "c-hot", key, periodStartOf(template))));
    const javaPid = dynamoPid(dynamo.port);

    // One server, or two (A: as is, B: with the --ab environment) measured in alternating rounds.
    const abEnv = Object.fromEntries(
      AB.split(" ")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const variants =
      AB || AB_ROOT
        ? [
            { label: `A${AB_ROOT ? ` (${AB_ROOT})` : ""}`, env: {}, dir: AB_ROOT || root },
            { label: `B${AB ? ` (${AB})` : ""}`, env: abEnv, dir: root },
          ]
        : [{ label: "", env: {}, dir: root }];
    const apis: { label: string; pid: number; api: ReturnType<typeof apiClient> }[] = [];
    for (const v of variants) {
      const started = await startServer({
        endpoint: dynamo.endpoint,
        env: { BENCH_PROFILE: "1", ...v.env },
        dir: v.dir,
        nodeFlags: [...NODE_FLAGS, ...(PERF ? ["--perf-basic-prof"] : [])],
      });
      servers.push(started.child);
      apis.push({ label: v.label, pid: started.child.pid!, api: apiClient(started.port) });
    }
    let seq = 0;
    const key = () => `k-${String(seq++).padStart(9, "0")}`;
    const ops: Record<string, (api: ReturnType<typeof apiClient>) => Promise<unknown>> = {
      track: (api) => api.gql(TRACK, { i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: key() } }),
      entitlement: (api) => api.gql(ENTITLEMENT, { c: "c-hot" }),
      batch: (api) =>
        api.gql(TRACK_BATCH, {
          is: Array.from({ length: 100 }, () => ({ customerId: "c-hot", feature: "api_calls", idempotencyKey: key() })),
        }),
    };
    const names = OP === "both" ? ["track", "entitlement"] : [OP];
    for (const name of names) if (!ops[name]) throw new Error(`unknown --op ${name}`);

    for (const name of names) {
      const op = ops[name]!;
      // Warm-up: JIT (ours and DynamoDB Local's), caches, sockets.
      for (const { api } of apis) await runCount(CONCURRENCY, WARMUP, () => op(api));
      const raw = RAW && name === "track";
      if (raw) await runCount(CONCURRENCY, WARMUP, () => rawTx(key()));
      const cpu: number[][] = apis.map(() => []);
      const rates: number[][] = apis.map(() => []);
      const rawRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? [...apis.keys()].reverse() : [...apis.keys()];
        for (const i of order) {
          const { label, pid, api } = apis[i]!;
          const last = round === ROUNDS - 1;
          const profiling = PROFILE && last;
          await api.reset();
          if (profiling) await api.call("POST", "/bench/profile/start");
          const perf =
            PERF && last
              ? await startPerf(
                  pid,
                  `${PERF}${OP === "both" ? `-${name}` : ""}${apis.length > 1 ? `-${i ? "B" : "A"}` : ""}`,
                )
              : undefined;
          const t = performance.now();
          const machine0 = machineTicks();
          const java0 = processTicks(javaPid);
          await runCount(CONCURRENCY, REQUESTS, () => op(api));
          const seconds = (performance.now() - t) / 1000;
          const machine1 = machineTicks();
          const busy = (machine1.busy - machine0.busy) / (machine1.total - machine0.total);
          const javaMs = ((processTicks(javaPid) - java0) * 10) / REQUESTS; // USER_HZ = 100
          const profile = profiling ? await api.call("POST", "/bench/profile/stop") : undefined;
          if (perf) log(`perf: ${await perf()}`);
          const stats = await api.stats();
          cpu[i]!.push(stats.cpuMsPerRequest);
          rates[i]!.push(REQUESTS / seconds);
          const per = Object.entries(stats.requests)
            .map(([k, v]) => `${(v / stats.graphqlRequests).toFixed(2)} ${k}`)
            .join(" + ");
          log(
            `${name}${label ? ` ${label}` : ""} round ${round + 1}: ${stats.cpuMsPerRequest.toFixed(3)} CPU ms/request, ${(REQUESTS / seconds).toFixed(0)} req/s, server p50 ${stats.serverMsP50.toFixed(1)} ms, DynamoDB Local ${javaMs.toFixed(2)} CPU ms/request, machine ${(100 * busy).toFixed(0)}% busy, ${per} per request${profiling ? " (profiled)" : ""}`,
          );
          if (profile) {
            const file = `${PROFILE!.replace(/\.cpuprofile$/, "")}${OP === "both" ? `-${name}` : ""}${apis.length > 1 ? `-${i ? "B" : "A"}` : ""}.cpuprofile`;
            writeFileSync(file, profile);
            log(`profile: ${file}`);
            summarize(JSON.parse(profile) as CpuProfile, TOP);
          }
        }
        if (raw) {
          const t = performance.now();
          const java0 = processTicks(javaPid);
          await runCount(CONCURRENCY, REQUESTS, () => rawTx(key()));
          rawRates.push(REQUESTS / ((performance.now() - t) / 1000));
          log(
            `raw TransactWriteItems round ${round + 1}: ${rawRates.at(-1)!.toFixed(0)} req/s, DynamoDB Local ${(((processTicks(javaPid) - java0) * 10) / REQUESTS).toFixed(2)} CPU ms/request`,
          );
        }
      }
      const measured = cpu.map((c) => ((PROFILE || PERF) && c.length > 1 ? c.slice(0, -1) : c));
      apis.forEach(({ label }, i) => {
        const c = measured[i]!;
        console.log(
          `${name}${label ? ` ${label}` : ""}: median ${median(c).toFixed(3)} CPU ms/request over ${c.length} round(s) of ${REQUESTS} at concurrency ${CONCURRENCY} (${c.map((x) => x.toFixed(3)).join(", ")})`,
        );
      });
      if (raw) {
        apis.forEach(({ label }, i) => {
          const ratios = rates[i]!.map((r, round) => r / rawRates[round]!);
          console.log(
            `${name}${label ? ` ${label}` : ""} vs raw TransactWriteItems (c${CONCURRENCY}, one customer): ${ratios.map((x) => x.toFixed(2)).join(", ")}; median ${median(ratios).toFixed(2)}x`,
          );
        });
      }
      if (variants.length > 1) {
        const ratios = measured[1]!.map((b, r) => b / measured[0]![r]!);
        console.log(
          `${name}: B/A per round ${ratios.map((x) => x.toFixed(3)).join(", ")}; median ${median(ratios).toFixed(3)}`,
        );
      }
    }
  } finally {
    for (const s of servers) s.kill("SIGTERM");
    await dynamo.stop();
  }
}

// ---------------------------------------------------------------------------------------------

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};

/** Self time per function and per package (node_modules/<pkg>, our folders, node internals). */
function summarize(profile: CpuProfile, top: number) {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (!us) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, "").replace(`${root}/`, "");
    byFn.set(
      `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim(),
      (byFn.get(`${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim()) ?? 0) + us,
    );
    byPkg.set(packageOf(file, functionName), (byPkg.get(packageOf(file, functionName)) ?? 0) + us);
  }
  const busy = total - (byPkg.get("(idle)") ?? 0);
  const show = (title: string, m: Map<string, number>, n: number) => {
    log(`\n${title} (self time; % of busy ${(busy / 1000).toFixed(0)} ms)`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
      if (k !== "(idle)")
        log(`  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  };
  show("by package", byPkg, 30);
  show("by function", byFn, top);
  log("");
}

function packageOf(file: string, functionName: string): string {
  if (!file) return functionName === "(idle)" ? "(idle)" : functionName.startsWith("(") ? functionName : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (nm) return nm[1]!;
  if (file.startsWith("node:")) return `node:${file.slice(5).split("/")[0]}`;
  return file.split("/")[0] ?? file;
}

// ---------------------------------------------------------------------------------------------

/** The Java process of the DynamoDB Local on `port` (read only: its CPU time, from /proc). */
function dynamoPid(port: number): number | undefined {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("DynamoDBLocal") && cmd.includes(`\0${port}`)) return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** User + system clock ticks of a process so far (0 without one). */
function processTicks(pid: number | undefined): number {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** The machine's busy and total clock ticks so far, all cores. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
}

/** `perf record` of the server process until the returned function is called; resolves to the file. */
async function startPerf(pid: number, file: string): Promise<() => Promise<string>> {
  const perf = spawn("perf", ["record", "-e", "cpu-clock", "-F", "4000", "-g", "-p", String(pid), "-o", file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  perf.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  await new Promise((r) => setTimeout(r, 500)); // perf attaches
  return async () => {
    const done = new Promise<number | null>((r) => perf.once("exit", r));
    perf.kill("SIGINT");
    const code = await done;
    if (!/Captured and wrote/.test(err)) throw new Error(`perf record failed (${code}): ${err}`);
    return file;
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
