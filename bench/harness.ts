/**
 * What the benchmark scripts share: the API server as its own process (bench/server.ts), an HTTP
 * client for it and the GraphQL documents they send; the raw baseline: the DynamoDB transaction
 * the product sends for one tracked event, captured once and replayed for any customer and key,
 * through a client of its own; and the seeds: a hot customer, and wallets with a period due.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { marshall } from "@aws-sdk/util-dynamodb";
import { DynamoDBClient, type AttributeValue, type TransactWriteItemsCommandInput } from "@aws-sdk/client-dynamodb";
import { realClock } from "../core/clock";
import { openDb } from "../core/db/client";
import { ensureTable } from "../core/db/table";
import { RecordingPublisher, type Deps } from "../core/deps";
import { keys } from "../core/db/keys";
import { nextRecordingOrder } from "../core/db/recording-order";
import { trackUsage } from "../core/usage/track";
import { createFeature } from "../core/features";
import { createPlan } from "../core/plans";
import { createCustomer } from "../core/customers";
import { subscribe } from "../core/subscriptions";
import { units } from "../core/money";
import { addIntervals } from "../core/periods/arithmetic";
import { emptyWallet, openPeriod, type Wallet } from "../core/wallet";
import { periodGrant } from "../core/models";
import { walletItem } from "../core/db/wallets";
import { countRequests, emptyCounts, type Counts } from "./lib";

export const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const TABLE = "bench";
export const API_KEY = "bench-key-0123456789abcdef0123456789";

/** One tracked API call: what the API side of every track measurement sends. */
export const TRACK =
  "mutation T($i: TrackUsageInput!) { trackUsage(input: $i) { replayed entitlement { allowed used remaining } } }";
export const TRACK_BATCH = "mutation B($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok errorCode } }";
export const ENTITLEMENT =
  'query E($c: ID!) { entitlement(customerId: $c, feature: "api_calls") { allowed used remaining } }';

export type ServerOptions = { endpoint: string; env?: Record<string, string>; dir?: string; nodeFlags?: string[] };

/** Starts bench/server.ts (of `dir`, default this checkout) and waits for its port. */
export async function startServer({
  endpoint,
  env = {},
  dir = root,
  nodeFlags = [],
}: ServerOptions): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", join(dir, "bench", "server.ts")], {
    cwd: dir,
    env: {
      ...process.env,
      BILLING_TABLE: TABLE,
      DYNAMODB_ENDPOINT: endpoint,
      BILLING_API_KEY: API_KEY,
      BILLING_CLOCK: "real",
      PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\d+)/.exec(out);
      if (!m) return;
      // From here on the server's stdout is its audit log: drained unread. (Appending every line
      // to `out` and searching it again cost this process time that grew with every request.)
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolvePort(Number(m[1]));
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return { child, port };
}

export type ServerStats = Counts & {
  graphqlRequests: number;
  serverMsP50: number;
  serverMsMean: number;
  cpuMsPerRequest: number;
  cpuUserMsPerRequest?: number;
  cpuSystemMsPerRequest?: number;
  /** CPU milliseconds of each thread since the last reset (Linux), and garbage collections by kind. */
  threadsMs?: Record<string, number>;
  gcs?: Record<string, { count: number; ms: number }>;
};

/** GraphQL over keep-alive HTTP with the bench key, and the server's /bench endpoints. */
export function apiClient(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const call = (method: string, path: string, body?: string): Promise<string> =>
    new Promise((resolveCall, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method,
          path,
          agent,
          headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () =>
            res.statusCode === 200
              ? resolveCall(text)
              : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return {
    call,
    async gql(query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
      const out = JSON.parse(await call("POST", "/graphql", JSON.stringify({ query, variables })));
      if (out.errors) throw new Error(`GraphQL: ${out.errors[0].extensions?.code ?? ""} ${out.errors[0].message}`);
      return out.data;
    },
    stats: async () => JSON.parse(await call("GET", "/bench/stats")) as ServerStats,
    reset: async () => void (await call("POST", "/bench/reset")),
    /**
     * The server's DynamoDB request counter (bench/lib.ts countRequests): off, on (everything,
     * capacity included), or "requests" (requests and items only: for runs compared with a raw baseline).
     */
    counting: async (mode: boolean | "requests") =>
      void (await call("POST", `/bench/counting/${mode === "requests" ? "requests" : mode ? "on" : "off"}`)),
  };
}

/** The TransactWriteItems one trackUsage of `customerId` sends, captured from the SDK as it goes out. */
export async function captureTrackTransaction(
  deps: Deps,
  customerId: string,
  idempotencyKey: string,
): Promise<TransactWriteItemsCommandInput> {
  let captured: TransactWriteItemsCommandInput | undefined;
  deps.db.raw.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as TransactWriteItemsCommandInput;
      if (input.TransactItems && !captured) captured = structuredClone(input);
      return next(args);
    },
    { step: "build", name: "benchCapture" },
  );
  try {
    await trackUsage(deps, { customerId, feature: "api_calls", idempotencyKey });
  } finally {
    deps.db.raw.middlewareStack.remove("benchCapture");
  }
  if (!captured) throw new Error("no transaction captured");
  return captured;
}

/** The captured transaction for another event: its key, customer and that customer's current period. */
export function rawTrackInput(
  template: TransactWriteItemsCommandInput,
  customerId: string,
  idempotencyKey: string,
  periodStart: string,
): TransactWriteItemsCommandInput {
  const input = structuredClone(template);
  const put = input.TransactItems![0]!.Put!;
  Object.assign(
    put.Item!,
    marshall({
      ...keys.event(customerId, idempotencyKey),
      ...keys.eventTimeline(customerId, new Date().toISOString(), nextRecordingOrder(), idempotencyKey),
      idempotencyKey,
      customerId,
    }),
  );
  const update = input.TransactItems![1]!.Update!;
  update.Key = marshall(keys.wallet(customerId));
  update.ExpressionAttributeValues![":ps"] = { S: periodStart };
  return input;
}

/**
 * A client for the raw baseline, separate from the product's: it retries as the SDK's default
 * does, and its requests ask for ReturnConsumedCapacity as the server's counted ones do.
 */
export function rawClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 4,
  });
  const counts = emptyCounts();
  countRequests(client, () => counts);
  return client;
}

/** The period start a captured transaction is conditioned on. */
export const periodStartOf = (template: TransactWriteItemsCommandInput) =>
  template.TransactItems![1]!.Update!.ExpressionAttributeValues![":ps"]!.S!;

/** The bench plans' one feature: 10,000 API calls included a period, $0.01 per call beyond. */
export const API_CALLS = { feature: "api_calls", included: units(10_000), overagePrice: 10_000_000_000n };

/**
 * A table (`TABLE` unless named) created in the bench's DynamoDB Local, and core's dependencies on
 * it as production runs them: the real clock; business events recorded, not sent.
 */
export async function benchDeps(endpoint: string, table = TABLE): Promise<Deps> {
  const db = await openDb({ table, endpoint });
  await ensureTable(db.raw, table);
  return { db, clock: realClock, publisher: new RecordingPublisher() };
}

/** The "api_calls" feature and "bench-monthly", a monthly METERED plan with 10,000 included. */
export async function seedMonthlyPlan(deps: Deps): Promise<void> {
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  await createPlan(deps, {
    code: "bench-monthly",
    name: "Bench monthly",
    model: "METERED",
    basePrice: units(99),
    interval: "MONTH",
    features: [API_CALLS],
  });
}

/**
 * seedMonthlyPlan, and customer "c-hot" on it, past its plan's usage thresholds (80% and 100% of
 * the included 10,000: one event of 10,000). Every track of c-hot in a run is then the same
 * steady-state transaction: with a threshold still ahead, a track carries a condition that usage
 * stays below it, so the raw baseline replaying a transaction captured below 80% failed once a
 * long run (a full run's 6,000 + 6,000 warm-up) carried c-hot past it.
 */
export async function seedHotCustomer(deps: Deps): Promise<void> {
  await seedMonthlyPlan(deps);
  await createCustomer(deps, { id: "c-hot" });
  await subscribe(deps, "c-hot", "bench-monthly");
  await pastThresholds(deps, "c-hot");
}

/** One event of the included 10,000: `customerId`'s tracks from here on cross no usage threshold. */
export async function pastThresholds(deps: Deps, customerId: string): Promise<void> {
  await trackUsage(deps, {
    customerId,
    feature: "api_calls",
    idempotencyKey: "past-thresholds",
    value: API_CALLS.included,
  });
}

/**
 * The wallet item of customer `id` on a DAY plan whose first period started at `start`, with
 * `usage` api_calls used, in the due index under that period's end (marshalled, for a BatchWrite):
 * what a subscription looks like to the sweeper once its period is over, without a day of tracking.
 */
export function dueWalletItem(
  id: string,
  plan: Awaited<ReturnType<typeof createPlan>>,
  start: Date,
  usage: bigint,
  /** Changes to the wallet before it is written (a coupon, account credit: bench/measure/lifecycle-closes.ts). */
  adjust: (wallet: Wallet) => Wallet = (w) => w,
): Record<string, AttributeValue> {
  const subscription = {
    planCode: plan.code,
    status: "ACTIVE" as const,
    anchor: start.toISOString(),
    periodIndex: 0,
    periodStart: start.toISOString(),
    periodEnd: addIntervals(start, "DAY", 1).toISOString(),
    cancelAtPeriodEnd: false,
  };
  const wallet = adjust({
    ...openPeriod(emptyWallet(id), periodGrant(plan), subscription),
    version: 1,
    usage: { api_calls: usage },
  });
  return marshall({ ...walletItem(wallet), ...keys.due(id, subscription.periodEnd) }, { removeUndefinedValues: true });
}
