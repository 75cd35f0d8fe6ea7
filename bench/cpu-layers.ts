/**
 * Where a trackUsage's server CPU goes, layer by layer, in one process against DynamoDB Local
 * (whose CPU is its own process's, so not counted): the raw TransactWriteItems a track sends, the
 * same through the document client, core's trackUsage, and the whole GraphQL request through
 * yoga.fetch (no HTTP). Each layer runs `--requests` operations at `--concurrency` after a
 * warm-up; CPU ms per operation is this process's user + system time.
 *
 * The reservation layers send a reserveUsage and its settleReservation (CPU per pair: compare with
 * two tracks).
 *
 *   npx tsx bench/cpu-layers.ts [--requests 3000] [--concurrency 8] [--rounds 3] [--warmup 2000] [--only name,...]
 */
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { getItem } from "../core/db/items";
import { keys } from "../core/db/keys";
import { transactWriteInput } from "../core/db/wire/documents";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { trackUsage } from "../core/usage/track";
import { reserveUsage, settleReservation } from "../core/reservations";
import { units } from "../core/money";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { lightFetchAPI } from "../schema/http/light-fetch";
import { createBillingYoga } from "../schema/yoga";
import { arg, median, runCount } from "./lib";
import {
  API_KEY,
  benchDeps,
  captureTrackTransaction,
  periodStartOf,
  rawTrackInput,
  seedHotCustomer,
  ENTITLEMENT,
  TRACK,
} from "./harness";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const REQUESTS = Number(arg("requests", "3000"));
const CONCURRENCY = Number(arg("concurrency", "8"));
const ROUNDS = Number(arg("rounds", "3"));
const ONLY = arg("only", "").split(",").filter(Boolean);
/** Operations per layer before its rounds (the hot customer starts past its usage thresholds, so
 * the captured transaction's replays never meet a threshold's condition: bench/harness.ts). */
const WARMUP = Number(arg("warmup", "2000"));

const RESERVE = `mutation R($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`;
const SETTLE = `mutation S($id: ID!, $i: SettleReservationInput!) { settleReservation(id: $id, input: $i) { capped } }`;

async function main() {
  const dynamo = await startDynamoLocal();
  try {
    const deps = await benchDeps(dynamo.endpoint);
    const { db } = deps;
    await seedHotCustomer(deps);
    // The product's own transaction, captured once (as bench/run.ts does).
    const template = await captureTrackTransaction(deps, "c-hot", "cap-0");
    const periodStart = periodStartOf(template);

    let seq = 0;
    const key = () => `k-${String(seq++).padStart(9, "0")}`;
    const rawInput = (k: string) => rawTrackInput(template, "c-hot", k, periodStart);
    const docInput = (k: string) => {
      const input = rawInput(k);
      return {
        TransactItems: input.TransactItems!.map((t) =>
          t.Put
            ? { Put: { ...t.Put, Item: unmarshall(t.Put.Item!, { wrapNumbers: true }) } }
            : {
                Update: {
                  ...t.Update!,
                  Key: unmarshall(t.Update!.Key!),
                  ExpressionAttributeValues: unmarshall(t.Update!.ExpressionAttributeValues!, { wrapNumbers: true }),
                },
              },
        ),
      } as ConstructorParameters<typeof TransactWriteCommand>[0];
    };
    // The fetch classes the servers and the Lambda use (schema/http/light-fetch.ts).
    const yoga = createBillingYoga({ deps, apiKey: API_KEY, auditLog: () => undefined, fetchAPI: lightFetchAPI });
    const yogaAudit = createBillingYoga({ deps, apiKey: API_KEY, fetchAPI: lightFetchAPI });
    const gql =
      (y: typeof yoga, check = false) =>
      async () => {
        const body = JSON.stringify(
          check
            ? { query: ENTITLEMENT, variables: { c: "c-hot" } }
            : { query: TRACK, variables: { i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: key() } } },
        );
        // With its Content-Length, as every server hands yoga a request (without one, the body
        // limit counts the body through a stream: a path no steady-state request takes).
        const res = await y.fetch("http://localhost/graphql", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            authorization: `Bearer ${API_KEY}`,
          },
          body,
        });
        const out = (await res.json()) as { errors?: unknown };
        if (out.errors) throw new Error(JSON.stringify(out.errors));
      };
    const post = async (y: typeof yoga, query: string, variables: Record<string, unknown>) => {
      const body = JSON.stringify({ query, variables });
      // With its Content-Length, as gql above (without it the pair measured the stream path).
      const res = await y.fetch("http://localhost/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          authorization: `Bearer ${API_KEY}`,
        },
        body,
      });
      const out = (await res.json()) as { errors?: unknown; data: Record<string, any> };
      if (out.errors) throw new Error(JSON.stringify(out.errors));
      return out.data;
    };
    // A reservation's round trip as bench/measure/reserve.ts sends it (CPU per pair: two requests).
    const gqlPair = (y: typeof yoga) => async () => {
      const { reserveUsage: r } = await post(y, RESERVE, {
        i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: key(), value: "3" },
      });
      await post(y, SETTLE, { id: r.id, i: { value: "2" } });
    };
    const corePair = async () => {
      const r = await reserveUsage(deps, {
        customerId: "c-hot",
        feature: "api_calls",
        idempotencyKey: key(),
        value: units(3),
      });
      await settleReservation(deps, r.id, { value: units(2) });
    };
    // Stdout is the audit log here; send it nowhere for the yoga+audit layer's own measurement.
    const layers: [string, () => Promise<unknown>][] = [
      ["raw TransactWriteItems (premarshalled)", () => db.raw.send(new TransactWriteItemsCommand(rawInput(key())))],
      ["doc TransactWrite", () => db.doc.send(new TransactWriteCommand(docInput(key())))],
      ["wire TransactWrite", () => db.wire.call("TransactWriteItems", docInput(key()), transactWriteInput)],
      [
        "doc GetItem (wallet, consistent)",
        () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.wallet("c-hot"), ConsistentRead: true })),
      ],
      ["wire GetItem (wallet, consistent)", () => getItem(db, keys.wallet("c-hot"))],
      ["core trackUsage", () => trackUsage(deps, { customerId: "c-hot", feature: "api_calls", idempotencyKey: key() })],
      ["yoga.fetch trackUsage (audit to a no-op)", gql(yoga)],
      ["yoga.fetch trackUsage (audit to stdout)", gql(yogaAudit)],
      ["yoga.fetch entitlement (audit to stdout)", gql(yogaAudit, true)],
      ["core reserveUsage + settleReservation (a pair)", corePair],
      ["yoga.fetch reserve + settle pair (audit to stdout)", gqlPair(yogaAudit)],
    ];
    for (const [name, op] of layers) {
      if (ONLY.length && !ONLY.some((o) => name.includes(o))) continue;
      await runCount(CONCURRENCY, WARMUP, op);
      const cpu: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await runCount(CONCURRENCY, REQUESTS, op);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000 / REQUESTS);
        process.stderr.write(
          `  ${name}: ${cpu.at(-1)!.toFixed(3)} ms (${(REQUESTS / ((performance.now() - t0) / 1000)).toFixed(0)}/s)\n`,
        );
      }
      process.stderr.write(
        `${name.padEnd(45)} ${median(cpu).toFixed(3)} CPU ms/op (${cpu.map((x) => x.toFixed(3)).join(", ")})\n`,
      );
    }
  } finally {
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
