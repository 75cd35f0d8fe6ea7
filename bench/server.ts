/**
 * The API as the benchmark drives it: the same yoga instance `npm start` and the Lambda serve, on
 * node:http through the same adapter as `npm start` (schema/http/node.ts), against the DynamoDB Local the benchmark started, in production clock mode
 * (BILLING_CLOCK=real: no stored test clock read per request). No sweeper runs.
 *
 * Besides /graphql it answers GET /bench/stats (DynamoDB requests this process sent, and
 * server-side milliseconds per GraphQL request) and POST /bench/reset; with BENCH_PROFILE=1 also
 * POST /bench/profile/start and /bench/profile/stop (a V8 CPU profile of this process, as JSON;
 * bench/profile-track.ts uses them).
 *
 * env: BILLING_TABLE, DYNAMODB_ENDPOINT, BILLING_API_KEY, PORT (0: any); prints "READY <port>".
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector";
import { PerformanceObserver } from "node:perf_hooks";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../functions/config";
import { depsFromConfig } from "../functions/deps";
import { lightFetchAPI } from "../schema/http/light-fetch";
import { nodeListener } from "../schema/http/node";
import { createBillingYoga } from "../schema/yoga";
import { countRequests, emptyCounts, pct, stopCountingRequests, type Counts } from "./lib";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const config = loadConfig({ ...process.env, BILLING_CLOCK: "real", BILLING_BUS: undefined });
const deps = depsFromConfig({ ...config, busName: undefined });
await deps.db.sdk(); // the request counter wraps the SDK client
let counts: Counts = emptyCounts();
let serverMs: number[] = [];
let cpuSince = process.cpuUsage();
// BENCH_COUNTING=off (or =requests) starts the benchmark's request counter as /bench/counting/off (/requests) sets it.
if (process.env.BENCH_COUNTING !== "off")
  countRequests(deps.db.raw, () => counts, process.env.BENCH_COUNTING === "requests" ? "requests" : "all");
/** CPU nanoseconds per thread of this process (Linux: /proc/self/task/<tid>/schedstat), {} elsewhere. */
const threadCpu = (): Record<string, number> => {
  try {
    const out: Record<string, number> = {};
    for (const tid of readdirSync("/proc/self/task")) {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      out[`${name}#${tid}`] = ns;
    }
    return out;
  } catch {
    return {};
  }
};
let threadsSince = threadCpu();
// Garbage collections since the last reset, by kind: how many and their pause (main thread) time.
let gcs: Record<string, { count: number; ms: number }> = {};
const GC_KINDS: Record<number, string> = { 1: "scavenge", 2: "markCompact", 4: "incremental", 8: "weakCallbacks" };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = GC_KINDS[(entry as unknown as { detail: { kind: number } }).detail.kind] ?? "other";
    const g = gcs[kind] ?? { count: 0, ms: 0 };
    gcs[kind] = g;
    g.count++;
    g.ms += entry.duration;
  }
}).observe({ entryTypes: ["gc"] });
/** Each thread's CPU milliseconds since the last reset (V8's compiler and GC helpers apart from the main thread). */
const threadMsSince = (): Record<string, number> => {
  const now = threadCpu();
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const ms = (v - (threadsSince[k] ?? 0)) / 1e6;
    if (ms >= 0.05) out[k] = Math.round(ms * 100) / 100;
  }
  return out;
};
let profiler: Session | undefined;
// Served as `npm start` serves it (scripts/start/serve.ts): the light fetch classes and node:http adapter.
const yoga = createBillingYoga({ deps, apiKey: config.apiKey, fetchAPI: lightFetchAPI });
const api = nodeListener(yoga);

const server = createServer((req, res) => {
  if (req.url === "/bench/stats") {
    const sorted = [...serverMs].sort((a, b) => a - b);
    res.setHeader("content-type", "application/json");
    const cpu = process.cpuUsage(cpuSince);
    res.end(
      JSON.stringify({
        ...counts,
        graphqlRequests: serverMs.length,
        cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / (serverMs.length || 1),
        cpuUserMsPerRequest: cpu.user / 1000 / (serverMs.length || 1),
        cpuSystemMsPerRequest: cpu.system / 1000 / (serverMs.length || 1),
        serverMsP50: pct(sorted, 0.5),
        serverMsP99: pct(sorted, 0.99),
        serverMsMean: serverMs.reduce((s, x) => s + x, 0) / (serverMs.length || 1),
        threadsMs: threadMsSince(),
        gcs,
      }),
    );
    return;
  }
  // The request counter is the benchmark's, not the API's: the CPU section turns it off while it
  // measures (it adds two middleware layers to every DynamoDB call and asks DynamoDB for capacity),
  // and the sections that compare the API with a raw baseline count requests only ("requests").
  if (req.url?.startsWith("/bench/counting/")) {
    const mode = req.url.slice("/bench/counting/".length);
    if (mode === "off") stopCountingRequests(deps.db.raw);
    else countRequests(deps.db.raw, () => counts, mode === "requests" ? "requests" : "all");
    res.end("{}");
    return;
  }
  if (req.url === "/bench/reset") {
    counts = emptyCounts();
    serverMs = [];
    cpuSince = process.cpuUsage();
    threadsSince = threadCpu();
    gcs = {};
    res.end("{}");
    return;
  }
  if (process.env.BENCH_PROFILE === "1" && req.url?.startsWith("/bench/profile/")) {
    profiler ??= new Session();
    if (req.url === "/bench/profile/start") {
      profiler.connect();
      profiler.post("Profiler.enable", () =>
        profiler!.post("Profiler.setSamplingInterval", { interval: 100 }, () =>
          profiler!.post("Profiler.start", () => res.end("{}")),
        ),
      );
    } else {
      profiler.post("Profiler.stop", (error, result) => {
        res.setHeader("content-type", "application/json");
        res.end(error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile));
        profiler!.disconnect();
      });
    }
    return;
  }
  const t = performance.now();
  res.once("finish", () => serverMs.push(performance.now() - t));
  api(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`READY ${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
