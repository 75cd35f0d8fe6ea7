/**
 * The API server's own CPU per request (budget item 1): steady-state trackUsage of one customer
 * and entitlement checks, one request at a time (as a Lambda container serves them), in rounds;
 * each round's CPU is the server process's user + system time (process.cpuUsage, HTTP and the
 * audit log included: the server logs to its stdout) over its requests, and the line is the
 * median of the rounds. CPU time, unlike throughput, holds up fairly well on a loaded machine.
 */
import { type BenchContext, keyOf, log } from "./context";

export type CpuLine = { medianMs: number; roundsMs: number[]; requestsPerRound: number };
export type CpuResult = { track: CpuLine; entitlement: CpuLine };

export async function measureCpu(ctx: BenchContext): Promise<CpuResult> {
  log("bench: server CPU per request (c1, rounds)...");
  const rounds = ctx.settings.quick ? 3 : 5;
  const requests = ctx.settings.quick ? 300 : 500;
  let next = 0;
  const line = async (op: () => Promise<void>): Promise<CpuLine> => {
    const roundsMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await ctx.api.reset();
      for (let n = 0; n < requests; n++) await op();
      roundsMs.push((await ctx.api.stats()).cpuMsPerRequest);
    }
    const sorted = [...roundsMs].sort((a, b) => a - b);
    return { medianMs: sorted[Math.floor(sorted.length / 2)]!, roundsMs, requestsPerRound: requests };
  };
  const track = await line(() => ctx.gqlTrack("c-hot", keyOf("cpu", next++)));
  const entitlement = await line(() => ctx.gqlEntitlement("c-hot"));
  log(
    `  track ${track.roundsMs.map((x) => x.toFixed(3)).join(", ")} ms; entitlement ${entitlement.roundsMs.map((x) => x.toFixed(3)).join(", ")} ms`,
  );
  return { track, entitlement };
}
