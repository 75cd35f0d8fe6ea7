/**
 * `--only reserve`: a reservation's round trip, reserveUsage then settleReservation over HTTP for
 * one hot customer at concurrency 8, against the raw single TransactWriteItems of a track at the
 * same concurrency, in interleaved rounds (the budget: pairs per second at least 0.45x the raw rate), and the DynamoDB
 * requests a steady-state pair sends (2 transactions, no read). Each round also runs trackUsage over
 * the same API (a reference: one transaction per request through the same HTTP server and process).
 * It seeds a table of its own, so it can share an `--only` run with other sections.
 */
import { startServer, apiClient, TABLE, TRACK } from "../harness";
import { runCount, runLoad, type LoadResult } from "../lib";
import { keyOf, log, seedBench } from "./context";

export type ReserveResult = {
  raw: LoadResult;
  pairs: LoadResult;
  /** Pairs per second over raw transactions per second, over all rounds (and per round: `ratios`). */
  ratio: number;
  ratios: number[];
  /**
   * trackUsage over the same HTTP API in the same rounds (a reference, not budgeted): what one
   * transaction per request reaches here, so a pair's ratio can be read against 0.5x of it.
   */
  tracks: LoadResult;
  trackRatio: number;
  /** DynamoDB requests per reserve + settle pair, by command, from the server's counts. */
  requestsPerPair: Record<string, number>;
  /**
   * TransactWriteItems per pair during the concurrent run, the ones a conflict cancelled included
   * (8 pairs on one wallet: a conflict is retried, and what it costs shows here, not in the steady 2).
   */
  transactionsUnderLoad: number;
  /** The server's CPU and time per GraphQL request (a reserve or a settle) in the steady sequential pairs. */
  server: { cpuMsPerRequest: number; msP50: number };
};

/** Its own table: `--only reserve` may share a run with other sections, which seed the run's table. */
const RESERVE_TABLE = `${TABLE}-reserve`;
const RESERVE = `mutation R($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`;
const ROUNDS = 3;
/** Pairs (4,000 requests) before the rounds, at concurrency 8. */
const WARMUP_PAIRS = 2_000;
const SETTLE = `mutation S($id: ID!, $i: SettleReservationInput!) { settleReservation(id: $id, input: $i) { capped } }`;

export async function measureReserve(endpoint: string, runMs: number): Promise<ReserveResult> {
  const seeded = await seedBench(endpoint, RESERVE_TABLE);
  const { child, port } = await startServer({ endpoint, env: { BILLING_TABLE: RESERVE_TABLE } });
  try {
    const api = apiClient(port);
    let started = 0;
    const pair = async (key: string) => {
      started++;
      const { reserveUsage } = await api.gql(RESERVE, {
        i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: key, value: "3" },
      });
      await api.gql(SETTLE, { id: reserveUsage.id, i: { value: "2" } });
    };
    log(`bench: reserve + settle vs raw TransactWriteItems, concurrency 8, ${ROUNDS} interleaved rounds...`);
    // Warm as the main run warms its server (bench/measure/warmup.ts): a fresh Node process runs
    // interpreted code for its first few thousand requests, and 200 pairs left the pairs' rounds
    // measuring the JIT against a raw side that runs no API server at all.
    await runCount(8, WARMUP_PAIRS, (n) => pair(keyOf("warm", n)));
    // Rounds alternate raw and pairs, so both sides see the same machine load (a shared machine's
    // load swings within seconds: one raw run then one pairs run measured 0.08x to 1.00x).
    const rounds: { raw: LoadResult; pairs: LoadResult; tracks: LoadResult }[] = [];
    const track = (key: string) =>
      api.gql(TRACK, { i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: key } }).then(() => undefined);
    let transactions = 0;
    started = 0;
    await api.counting("requests"); // as the raw side: no capacity asked for (bench/measure/track.ts)
    for (let round = 0; round < ROUNDS; round++) {
      const raw = await runLoad(8, runMs, (n) => seeded.rawTx("c-hot", keyOf(`raw${round}`, n)));
      await api.reset();
      const pairs = await runLoad(8, runMs, (n) => pair(keyOf(`pair${round}`, n)));
      transactions += (await api.stats()).requests.TransactWriteItems ?? 0;
      const tracks = await runLoad(8, runMs, (n) => track(keyOf(`track${round}`, n)));
      rounds.push({ raw, pairs, tracks });
    }
    const transactionsUnderLoad = transactions / started;
    const raw = combined(rounds.map((r) => r.raw));
    const pairs = combined(rounds.map((r) => r.pairs));
    const tracks = combined(rounds.map((r) => r.tracks));
    await api.counting(true);
    await api.reset();
    const steady = 100;
    for (let n = 0; n < steady; n++) await pair(keyOf("steady", n));
    const stats = await api.stats();
    const requestsPerPair = Object.fromEntries(
      Object.entries(stats.requests).map(([command, count]) => [command, count / steady]),
    );
    const server = { cpuMsPerRequest: stats.cpuMsPerRequest, msP50: stats.serverMsP50 };
    const ratios = rounds.map((r) => r.pairs.opsPerSec / r.raw.opsPerSec);
    return {
      raw,
      pairs,
      ratio: pairs.opsPerSec / raw.opsPerSec,
      ratios,
      tracks,
      trackRatio: tracks.opsPerSec / raw.opsPerSec,
      requestsPerPair,
      transactionsUnderLoad,
      server,
    };
  } finally {
    child.kill("SIGTERM");
  }
}

/** Several runs as one: their operations over their time; p50 the median run's, p99 the worst. */
function combined(runs: LoadResult[]): LoadResult {
  const ops = runs.reduce((sum, r) => sum + r.ops, 0);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const p50s = runs.map((r) => r.p50).sort((a, b) => a - b);
  return {
    ops,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    seconds,
    opsPerSec: ops / seconds,
    p50: p50s[Math.floor(p50s.length / 2)]!,
    p99: Math.max(...runs.map((r) => r.p99)),
  };
}

export function renderReserve(r: ReserveResult): string {
  const requests = Object.entries(r.requestsPerPair)
    .map(([command, n]) => `${n.toFixed(2)} ${command.replace("Command", "")}`)
    .join(", ");
  return `reserve + settle, one customer, concurrency 8: ${r.pairs.opsPerSec.toFixed(0)} pairs/s (p50 ${r.pairs.p50.toFixed(1)} ms, p99 ${r.pairs.p99.toFixed(1)} ms, ${r.pairs.errors} errors) vs raw TransactWriteItems ${r.raw.opsPerSec.toFixed(0)}/s: ${r.ratio.toFixed(2)}x (rounds ${r.ratios.map((x) => x.toFixed(2)).join(", ")}; budget >= 0.45x); per pair: ${requests} (under load ${r.transactionsUnderLoad.toFixed(2)}, conflicts retried); server CPU ${r.server.cpuMsPerRequest.toFixed(2)} ms per request (p50 ${r.server.msP50.toFixed(2)} ms in the server); reference: trackUsage over the API in the same rounds ${r.tracks.opsPerSec.toFixed(0)}/s = ${r.trackRatio.toFixed(2)}x raw`;
}
