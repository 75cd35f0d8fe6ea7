/**
 * `--only reserve`: a reservation's round trip, reserveUsage then settleReservation over HTTP for
 * one hot customer at concurrency 8, against the raw single TransactWriteItems of a track at the
 * same concurrency (the budget: pairs per second at least 0.45x the raw rate), and the DynamoDB
 * requests a steady-state pair sends (2 transactions, no read).
 */
import { startServer, apiClient } from "../harness";
import { runLoad, type LoadResult } from "../lib";
import { keyOf, log, seedBench } from "./context";

export type ReserveResult = {
  raw: LoadResult;
  pairs: LoadResult;
  ratio: number;
  /** DynamoDB requests per reserve + settle pair, by command, from the server's counts. */
  requestsPerPair: Record<string, number>;
};

const RESERVE = `mutation R($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`;
const SETTLE = `mutation S($id: ID!, $i: SettleReservationInput!) { settleReservation(id: $id, input: $i) { capped } }`;

export async function measureReserve(endpoint: string, runMs: number): Promise<ReserveResult> {
  const seeded = await seedBench(endpoint);
  const { child, port } = await startServer({ endpoint });
  try {
    const api = apiClient(port);
    const pair = async (key: string) => {
      const { reserveUsage } = await api.gql(RESERVE, {
        i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: key, value: "3" },
      });
      await api.gql(SETTLE, { id: reserveUsage.id, i: { value: "2" } });
    };
    log("bench: reserve + settle vs raw TransactWriteItems, concurrency 8...");
    for (let n = 0; n < 200; n++) await pair(keyOf("warm", n));
    const raw = await runLoad(8, runMs, (n) => seeded.rawTx("c-hot", keyOf("raw", n)));
    const pairs = await runLoad(8, runMs, (n) => pair(keyOf("pair", n)));
    await api.reset();
    const steady = 100;
    for (let n = 0; n < steady; n++) await pair(keyOf("steady", n));
    const stats = await api.stats();
    const requestsPerPair = Object.fromEntries(
      Object.entries(stats.requests).map(([command, count]) => [command, count / steady]),
    );
    return { raw, pairs, ratio: pairs.opsPerSec / raw.opsPerSec, requestsPerPair };
  } finally {
    child.kill("SIGTERM");
  }
}

export function renderReserve(r: ReserveResult): string {
  const requests = Object.entries(r.requestsPerPair)
    .map(([command, n]) => `${n.toFixed(2)} ${command.replace("Command", "")}`)
    .join(", ");
  return `reserve + settle, one customer, concurrency 8: ${r.pairs.opsPerSec.toFixed(0)} pairs/s (p50 ${r.pairs.p50.toFixed(1)} ms, p99 ${r.pairs.p99.toFixed(1)} ms, ${r.pairs.errors} errors) vs raw TransactWriteItems ${r.raw.opsPerSec.toFixed(0)}/s: ${r.ratio.toFixed(2)}x (budget >= 0.45x); per pair: ${requests}`;
}
