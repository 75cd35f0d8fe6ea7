/**
 * `npm start`: the whole product on one machine. DynamoDB Local (on disk in BILLING_DATA_DIR, or
 * in memory), the table, the stored test clock, demo data on an empty store, the AI model catalog
 * snapshot, the GraphQL API with GraphiQL on node:http, the period-close sweeper on an interval,
 * webhook delivery in-process, the web console at /console and the rollups (the table's stream
 * polled into the AI costs view and usage history). Ctrl-C / SIGTERM stop all of it, DynamoDB
 * Local's Java process included.
 *
 * Each job is a module in scripts/start/; this file is their order. The environment it reads is
 * listed in scripts/start/options.ts, the API key's rules in scripts/start/api-key.ts.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureTable } from "../core/db/table";
import type { Deps } from "../core/deps";
import { loadConfig } from "../functions/config";
import { depsFromConfig } from "../functions/deps";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { resolveApiKey, type ApiKeySource } from "./start/api-key";
import { readyBanner, startingLine } from "./start/banner";
import { loadCatalogSnapshot } from "./start/catalog";
import { demoCurl } from "./start/demo-curl";
import { LoggingPublisher } from "./start/logging-publisher";
import {
  DEFAULT_PORT,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_WEBHOOK_INTERVAL_MS,
  optionsFromEnv,
  type StartOptions,
} from "./start/options";
import { seedIfEmpty } from "./seed";
import { serveApi } from "./start/serve";
import { stopOnSignals } from "./start/signals";
import { checkSweepInterval, startSweeper } from "./start/sweeper";
import { DEFAULT_ROLLUP_INTERVAL_MS, startRollups } from "./start/rollups";
import { startLocalWebhooks } from "./start/webhooks";
import { buildWeb } from "../web/build";
import { loadWebAssets } from "../web/server/assets";

// The SDK reads this when a client is constructed (none is at import time): silences its Node 20 notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export type LocalServer = {
  /** The GraphQL endpoint, which is also GraphiQL in a browser. */
  url: string;
  /** The operator console (sign in with apiKey). */
  consoleUrl: string;
  port: number;
  apiKey: string;
  apiKeySource: ApiKeySource;
  /** Whether this start seeded the demo data (false when the store already had data). */
  seeded: boolean;
  dynamoEndpoint: string;
  table: string;
  /** A copy-pasteable curl that tracks one API call for the demo customer. */
  curl: string;
  deps: Deps;
  /** Stops the sweeper, the HTTP server and DynamoDB Local; safe to call twice. */
  stop: () => Promise<void>;
};

export async function startLocal(options: StartOptions = {}): Promise<LocalServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const { apiKey, source: apiKeySource } = resolveApiKey(options.apiKey, dataDir);
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  checkSweepInterval(sweepIntervalMs);
  // Every setting is checked before anything starts, the secrets too (present, at least 32 bytes).
  const config = loadConfig({
    BILLING_TABLE: options.table ?? "billing",
    BILLING_API_KEY: apiKey,
    BILLING_SIGNING_SECRET: options.signingSecret,
    BILLING_CORS_ORIGINS: options.corsOrigins?.join(","),
    BILLING_CLOCK: options.clock ?? "test",
    BILLING_CATALOG_URL: process.env.BILLING_CATALOG_URL,
    BILLING_GRACE_PERIOD: process.env.BILLING_GRACE_PERIOD,
  });
  const credentials = { apiKey: config.apiKey, signingSecret: config.signingSecret };

  // What has started, stopped in reverse order: by stop(), or at once when a later step fails.
  const started: (() => unknown)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const stopOne of started.reverse()) await stopOne();
    })());
  try {
    const dynamo = await startDynamoLocal({ quickJvm: true, ...(dataDir ? { dataDir } : {}) });
    started.push(() => dynamo.stop());
    const logged: Deps = {
      ...depsFromConfig({ ...config, endpoint: dynamo.endpoint, busName: undefined }),
      publisher: new LoggingPublisher(log),
    };
    await logged.db.sdk(); // loaded up front here: ensureTable uses the SDK client
    started.push(() => logged.db.raw.destroy());
    await ensureTable(logged.db.raw, config.table);
    // Every published event is also delivered to the webhook endpoints, in-process.
    const webhooks = startLocalWebhooks(
      logged,
      credentials,
      options.webhookIntervalMs ?? DEFAULT_WEBHOOK_INTERVAL_MS,
      log,
    );
    started.push(() => webhooks.stop());
    const deps: Deps = webhooks.deps;
    const seeded = await seedIfEmpty(deps, log);
    await loadCatalogSnapshot(deps, log);
    // The console is built from the code beside it on every start (well under a second).
    const [built] = await buildWeb();
    const api = await serveApi({
      web: loadWebAssets(resolve(built!.dir, "..")),
      deps,
      ...credentials,
      corsOrigins: config.corsOrigins,
      host: options.host ?? "127.0.0.1",
      port: options.port ?? DEFAULT_PORT,
      allowedHosts: options.allowedHosts ?? [],
      webhooks: webhooks.deps,
    });
    started.push(() => api.close());
    const sweeper = startSweeper(deps, sweepIntervalMs, log);
    started.push(() => sweeper.stop());
    const rollups = startRollups(deps.db, DEFAULT_ROLLUP_INTERVAL_MS, log);
    started.push(() => rollups.stop());
    const { url, port } = api;
    const curl = demoCurl(url, apiKey);
    return {
      url,
      consoleUrl: url.replace(/\/graphql$/, "/console"),
      port,
      apiKey,
      apiKeySource,
      seeded,
      dynamoEndpoint: dynamo.endpoint,
      table: config.table,
      curl,
      deps,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main() {
  const options = optionsFromEnv();
  console.log(startingLine(options));
  const local = await startLocal(options);
  console.log(readyBanner(local, options));
  stopOnSignals(local.stop);
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
