/**
 * The API server's own CPU per request (budget item 1): steady-state trackUsage of one customer
 * and entitlement checks, one request at a time (as a Lambda container serves them), in rounds;
 * each round's CPU is the server process's user + system time (process.cpuUsage, HTTP and the
 * audit log included: the server logs to its stdout) over its requests, and the line is the
 * median of the rounds, after one unmeasured round of the same requests (a check's first rounds
 * after the tracks paid a major collection of the tracks' garbage and recompiles: 0.44 to 0.58 ms
 * against 0.29 to 0.39 in the rounds after; docs/performance.md, item 1's fifth round). CPU time,
 * unlike throughput, holds up fairly well on a loaded machine.
 * The server's DynamoDB request counter (the benchmark's probe, bench/lib.ts countRequests) is
 * off during these rounds, so they measure what the API runs. BENCH_CPU_DETAIL=1 also prints each
 * round's user and system time, CPU by thread (V8's helper threads apart from the main thread)
 * and garbage collections.
 *
 * Then, informational (no budget): the same requests through the Lambda handler
 * (functions/graphql.ts) in a process of its own, driven with API Gateway HTTP API v2 events
 * (bench/lambda-driver.ts): what production runs, without node:http.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { API_KEY, root, TABLE } from "../harness";
import { median } from "../lib";
import { type BenchContext, keyOf, log } from "./context";

export type CpuLine = { medianMs: number; roundsMs: number[]; requestsPerRound: number };
export type CpuResult = { track: CpuLine; entitlement: CpuLine; lambda?: { track: CpuLine; entitlement: CpuLine } };

export async function measureCpu(ctx: BenchContext, endpoint?: string): Promise<CpuResult> {
  log("bench: server CPU per request (c1, rounds)...");
  const rounds = ctx.settings.quick ? 3 : 5;
  const requests = ctx.settings.quick ? 300 : 500;
  let next = 0;
  const line = async (op: () => Promise<void>): Promise<CpuLine> => {
    // One unmeasured round first: the server settles into this request (the collection of what
    // the previous line's requests left, recompiles), which is that line's cost, not this one's.
    for (let n = 0; n < requests; n++) await op();
    const roundsMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await ctx.api.reset();
      for (let n = 0; n < requests; n++) await op();
      const stats = await ctx.api.stats();
      roundsMs.push(stats.cpuMsPerRequest);
      // BENCH_CPU_DETAIL=1: each round's user/system time, CPU by thread and garbage collections (bench/server.ts).
      if (process.env.BENCH_CPU_DETAIL === "1")
        log(
          `    round ${r + 1}: ${stats.cpuMsPerRequest.toFixed(3)} ms/request (user ${stats.cpuUserMsPerRequest?.toFixed(3)}, system ${stats.cpuSystemMsPerRequest?.toFixed(3)}); threads ${JSON.stringify(stats.threadsMs)}; gc ${JSON.stringify(stats.gcs)}`,
        );
    }
    const sorted = [...roundsMs].sort((a, b) => a - b);
    return { medianMs: sorted[Math.floor(sorted.length / 2)]!, roundsMs, requestsPerRound: requests };
  };
  // The server's DynamoDB request counter is off during these rounds: it is the benchmark's probe
  // (two middleware layers on every call, ReturnConsumedCapacity asked of DynamoDB), not the API's.
  await ctx.api.counting(false);
  const track = await line(() => ctx.gqlTrack("c-hot", keyOf("cpu", next++)));
  const entitlement = await line(() => ctx.gqlEntitlement("c-hot"));
  await ctx.api.counting(true);
  log(
    `  track ${track.roundsMs.map((x) => x.toFixed(3)).join(", ")} ms; entitlement ${entitlement.roundsMs.map((x) => x.toFixed(3)).join(", ")} ms`,
  );
  if (!endpoint) return { track, entitlement };
  const lambda = await measureLambdaCpu(endpoint, rounds, requests, ctx.settings.quick ? 1000 : 3000);
  log(
    `  Lambda handler: track ${lambda.track.roundsMs.map((x) => x.toFixed(3)).join(", ")} ms; entitlement ${lambda.entitlement.roundsMs.map((x) => x.toFixed(3)).join(", ")} ms`,
  );
  return { track, entitlement, lambda };
}

/** bench/lambda-driver.ts in a process of its own, on the bench's table, in production clock mode. */
async function measureLambdaCpu(
  endpoint: string,
  rounds: number,
  requests: number,
  warmup: number,
): Promise<{ track: CpuLine; entitlement: CpuLine }> {
  log("bench: server CPU per request through the Lambda handler (c1, rounds)...");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "bench", "lambda-driver.ts"), String(rounds), String(requests), String(warmup)],
    {
      cwd: root,
      env: {
        ...process.env,
        BILLING_TABLE: TABLE,
        DYNAMODB_ENDPOINT: endpoint,
        BILLING_API_KEY: API_KEY,
        BILLING_CLOCK: "real",
        BILLING_BUS: "",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  // Its stdout is the audit log (drained) and, last, its result.
  let tail = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4096);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const line = tail.split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || !line) throw new Error(`bench/lambda-driver.ts exited ${code}`);
  const result = JSON.parse(line.slice("RESULT ".length)) as Record<"track" | "entitlement", number[]>;
  const lineOf = (roundsMs: number[]): CpuLine => ({
    medianMs: median(roundsMs),
    roundsMs,
    requestsPerRound: requests,
  });
  return { track: lineOf(result.track), entitlement: lineOf(result.entitlement) };
}
