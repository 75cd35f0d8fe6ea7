/**
 * What the measurements of `npm run bench` share: the run's settings, the table seeded through
 * core (the api_calls feature, a monthly METERED plan for tracking and a DAY plan for closes, the
 * customers), the raw baseline (the product's own transaction for one event, replayed from this
 * process) and, once the API server runs, its client and the requests the measurements time.
 */
import {
  GetItemCommand,
  type DynamoDBClient,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { createCustomer } from "../../core/customers";
import { keys } from "../../core/db/keys";
import { getWallet } from "../../core/db/wallets";
import type { Deps } from "../../core/deps";
import { units } from "../../core/money";
import { createPlan } from "../../core/plans";
import { subscribe } from "../../core/subscriptions";
import {
  API_CALLS,
  type apiClient,
  benchDeps,
  pastThresholds,
  captureTrackTransaction,
  ENTITLEMENT,
  rawClient,
  rawTrackInput,
  seedHotCustomer,
  TABLE,
  TRACK,
} from "../harness";
import { countRequests, emptyCounts, inParallel, itemBytes, type Counts } from "../lib";

export type Settings = {
  quick: boolean;
  /** How long each load row runs. */
  runMs: number;
  /** Due subscriptions the close measurement seeds. */
  closes: number;
  /** Operations per side before anything is measured (0: --no-warmup). */
  warmup: number;
};

/** How many customers the "100 customers" rows spread their load over. */
export const MIX = 100;

export const log = (line: string) => process.stderr.write(`${line}\n`);
export const pad = (n: number) => String(n).padStart(9, "0");
/** Same-length idempotency keys everywhere, so raw and API event items have the same size. */
export const keyOf = (prefix: string, n: number) => `${prefix}-${pad(n)}`;
/** The n-th operation's customer among the MIX. */
export const mixOf = (n: number) => `c-mix-${String(n % MIX).padStart(3, "0")}`;

export type Seeded = {
  deps: Deps;
  /** Counts `deps`'s DynamoDB requests afresh from now on; the object returned fills as they go. */
  countFromNow: () => Counts;
  /** The DAY plan the close measurement's subscriptions are on. */
  daily: Awaited<ReturnType<typeof createPlan>>;
  items: { eventItemBytes: number; transactItems: number };
  raw: DynamoDBClient;
  /** The product's transaction for one tracked event of `customerId`, sent from this process. */
  rawTx: (customerId: string, key: string) => Promise<void>;
  /** The wallet read a check makes: GetItem, strongly consistent. */
  rawGetWallet: (customerId: string) => Promise<void>;
  /** The product's transaction for one tracked event of c-hot, as captured. */
  template: TransactWriteItemsCommandInput;
  /** Each seeded customer's current period start, which the raw transactions are conditioned on. */
  periodStarts: Map<string, string>;
};

export type BenchContext = Seeded & {
  settings: Settings;
  api: ReturnType<typeof apiClient>;
  gqlTrack: (customerId: string, key: string) => Promise<void>;
  gqlEntitlement: (customerId: string) => Promise<void>;
};

/**
 * Seeds `table` (default the run's table). A section that runs alone beside others in one `--only`
 * run seeds a table of its own: the same customers and plans created twice in one table fail.
 */
export async function seedBench(endpoint: string, table = TABLE): Promise<Seeded> {
  const deps = await benchDeps(endpoint, table);
  const { db } = deps;
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);

  log("bench: seeding...");
  await seedHotCustomer(deps);
  const daily = await createPlan(deps, {
    code: "bench-daily",
    name: "Bench daily",
    model: "METERED",
    basePrice: units(1),
    interval: "DAY",
    features: [API_CALLS],
  });
  const customers = [
    ...Array.from({ length: MIX }, (_, i) => mixOf(i)),
    ...Array.from({ length: 4 }, (_, i) => `c-batch-${i}`),
    // The raw batch baseline's own customers: replaying it on the API's would leave the API's
    // cached views of their wallets stale at every switch (a failed transaction and a read each).
    ...Array.from({ length: 4 }, (_, i) => `c-braw-${i}`),
  ];
  await inParallel(customers, 16, async (id) => {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "bench-monthly");
    // Batch customers take tens of thousands of events in a run: past the thresholds from the
    // start, every batch is the same steady-state write, however fast the machine (a batch that
    // crossed 80% mid-run went to single tracks, and the raw replay's threshold condition failed).
    if (id.startsWith("c-batch-") || id.startsWith("c-braw-")) await pastThresholds(deps, id);
  });
  const periodStartOf = new Map<string, string>();
  await inParallel(["c-hot", ...customers], 16, async (id) =>
    periodStartOf.set(id, (await getWallet(db, id))!.subscription!.periodStart),
  );

  // The product's own transaction for one tracked event, which the raw baseline replays.
  const template = await captureTrackTransaction(deps, "c-hot", keyOf("cap", 0));
  const raw = rawClient(endpoint);
  return {
    deps,
    countFromNow: () => (counts = emptyCounts()),
    daily,
    items: {
      eventItemBytes: itemBytes(template.TransactItems![0]!.Put!.Item!),
      transactItems: template.TransactItems!.length,
    },
    raw,
    periodStarts: periodStartOf,
    template,
    rawTx: (customerId, key) =>
      raw
        .send(new TransactWriteItemsCommand(rawTrackInput(template, customerId, key, periodStartOf.get(customerId)!)))
        .then(() => undefined),
    rawGetWallet: (customerId) =>
      raw
        .send(new GetItemCommand({ TableName: table, Key: marshall(keys.wallet(customerId)), ConsistentRead: true }))
        .then(() => undefined),
  };
}

export function withApi(seeded: Seeded, api: ReturnType<typeof apiClient>, settings: Settings): BenchContext {
  return {
    ...seeded,
    settings,
    api,
    gqlTrack: (customerId, key) =>
      api.gql(TRACK, { i: { customerId, feature: "api_calls", idempotencyKey: key } }).then(() => undefined),
    gqlEntitlement: (customerId) => api.gql(ENTITLEMENT, { c: customerId }).then(() => undefined),
  };
}
