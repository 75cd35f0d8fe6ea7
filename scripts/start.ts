/**
 * `npm start`: the whole product on one machine (design.md §9). DynamoDB Local (on disk in
 * BILLING_DATA_DIR, or in memory), the table, the stored test clock, demo data on an empty store,
 * the AI model catalog snapshot, the GraphQL API with GraphiQL on node:http, and the period-close
 * sweeper on an interval. Ctrl-C / SIGTERM stop all of it, DynamoDB Local's Java process included.
 *
 * Environment (all optional):
 *
 * | variable                  | default                 | meaning                                              |
 * |---------------------------|-------------------------|------------------------------------------------------|
 * | PORT                      | 4000                    | HTTP port of the API (0: any free port)              |
 * | HOST                      | 127.0.0.1               | interface to listen on (0.0.0.0 to expose it)        |
 * | BILLING_ALLOWED_HOSTS     | none                    | extra Host names to answer (comma-separated)         |
 * | BILLING_DATA_DIR          | .data                   | DynamoDB Local's files and the API key; `memory`: none |
 * | BILLING_API_KEY           | stored, else generated  | the bearer key the API accepts (at least 32 bytes)   |
 * | BILLING_SIGNING_SECRET    | derived from the key    | signs customer tokens (at least 32 bytes)            |
 * | BILLING_CORS_ORIGINS      | none                    | browser origins allowed, comma-separated             |
 * | BILLING_TABLE             | billing                 | table name                                           |
 * | BILLING_CLOCK             | test                    | `test` (stored test clock, advanceClock) or `real`   |
 * | BILLING_SWEEP_INTERVAL_MS | 10000                   | how often the period-close sweeper runs              |
 *
 * The API key: BILLING_API_KEY wins when set (and is not written anywhere). Otherwise the key
 * stored in `<data dir>/api-key` is used, and on the first start a random key is generated and
 * stored there (mode 0600), so restarts keep it. In memory mode a new key is generated per start.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ensurePrivateDir, startDynamoLocal, type DynamoLocal } from "../tools/dynamodb-local/start";
import { ensureTable } from "../core/db/table";
import type { BillingEvent, Deps, EventPublisher } from "../core/deps";
import { loadSnapshotIfEmpty } from "../core/catalog/import";
import { closeDuePeriods } from "../core/periods/sweep";
import { loadConfig, type ClockSetting } from "../functions/config";
import { depsFromConfig } from "../functions/deps";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createBillingYoga } from "../schema/yoga";
import { DEMO_CUSTOMER, seedIfEmpty } from "./seed";

// The SDK reads this when a client is constructed (none is at import time): silences its Node 20 notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export type StartOptions = {
  /** HTTP port; 0 picks a free one. Default 4000. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Host names besides the loopback ones (and `host`) that requests may address (BILLING_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** Where DynamoDB Local keeps its files and the API key; undefined: in memory, nothing kept. */
  dataDir?: string;
  /** The accepted bearer key; default: the one stored in dataDir, else a new random one. */
  apiKey?: string;
  /** Signs customer tokens; default derived from the API key (functions/config.ts). */
  signingSecret?: string;
  /** Browser origins CORS allows; default none. */
  corsOrigins?: string[];
  table?: string;
  clock?: ClockSetting;
  sweepIntervalMs?: number;
  log?: (line: string) => void;
};

export type LocalServer = {
  /** The GraphQL endpoint, which is also GraphiQL in a browser. */
  url: string;
  port: number;
  apiKey: string;
  apiKeySource: "given" | "stored" | "generated";
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

export const DEFAULT_PORT = 4000;
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;
const API_KEY_FILE = "api-key";
/** Signals closer together than this are one request to stop (see main). */
const SAME_STOP_MS = 1_000;

/** The GraphQL request the printed curl sends (and docs/running-locally.md shows). */
export const DEMO_TRACK_REQUEST = {
  query:
    "mutation Track($input: TrackUsageInput!) { trackUsage(input: $input) { replayed event { feature value cost } entitlement { allowed balance } } }",
  variables: { input: { customerId: DEMO_CUSTOMER, feature: "api_calls", value: 1, idempotencyKey: "demo-call-1" } },
};

export async function startLocal(options: StartOptions = {}): Promise<LocalServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const table = options.table ?? "billing";
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const { apiKey, source: apiKeySource } = resolveApiKey(options.apiKey, dataDir);
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (!Number.isInteger(sweepIntervalMs) || sweepIntervalMs < 100)
    throw new Error("the sweep interval must be a whole number of ms, at least 100");

  // The secrets are checked (present, at least 32 bytes) before anything starts.
  const secrets = loadConfig({
    BILLING_TABLE: table,
    BILLING_API_KEY: apiKey,
    BILLING_SIGNING_SECRET: options.signingSecret,
  });
  const credentials = { apiKey: secrets.apiKey, signingSecret: secrets.signingSecret };
  const dynamo: DynamoLocal = await startDynamoLocal(dataDir ? { dataDir } : {});
  let deps: Deps | undefined;
  let server: Server | undefined;
  try {
    const config = loadConfig({
      BILLING_TABLE: table,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      BILLING_API_KEY: credentials.apiKey,
      BILLING_SIGNING_SECRET: credentials.signingSecret,
      BILLING_CORS_ORIGINS: options.corsOrigins?.join(","),
      BILLING_CLOCK: options.clock ?? "test",
      BILLING_CATALOG_URL: process.env.BILLING_CATALOG_URL,
    });
    // Locally, business events (invoices, renewals, depletions) go to the log, never to AWS.
    deps = { ...depsFromConfig({ ...config, busName: undefined }), publisher: new LoggingPublisher(log) };
    await ensureTable(deps.db.raw, table);

    const seeded = await seedIfEmpty(deps, log);
    const catalogLines: string[] = [];
    const catalog = await loadSnapshotIfEmpty(deps, { log: (line) => catalogLines.push(line) });
    if (catalog) log(catalogLines.at(-1) ?? `catalog: ${catalog.added} models loaded`);

    const host = options.host ?? "127.0.0.1";
    const yoga = createBillingYoga({
      deps,
      ...credentials,
      corsOrigins: config.corsOrigins,
      graphiql: renderGraphiQL,
      allowedHosts: allowedHostsFor(host, options.allowedHosts ?? []),
    });
    server = createServer(yoga);
    await listen(server, options.port ?? DEFAULT_PORT, host);
    const port = (server.address() as AddressInfo).port;
    const shownHost = ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost"].includes(host) ? "localhost" : host;
    const url = `http://${shownHost}:${port}/graphql`;

    const sweeper = startSweeper(deps, sweepIntervalMs, log);
    const running: Deps = deps;
    const httpServer: Server = server;
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        await sweeper.stop();
        await closeServer(httpServer);
        running.db.raw.destroy();
        await dynamo.stop();
      })());

    return {
      url,
      port,
      apiKey,
      apiKeySource,
      seeded,
      dynamoEndpoint: dynamo.endpoint,
      table,
      curl: demoCurl(url, apiKey),
      deps: running,
      stop,
    };
  } catch (error) {
    if (server?.listening) await closeServer(server);
    deps?.db.raw.destroy();
    await dynamo.stop();
    throw error;
  }
}

/**
 * The Host names the local server answers for: the loopback names, the interface it listens on
 * (unless a wildcard) and the extra ones given. Any other Host header is refused, so a web page
 * that rebinds its DNS name to this machine cannot reach the API (DNS rebinding).
 */
export function allowedHostsFor(host: string, extra: string[]): string[] {
  const listening = ["0.0.0.0", "::"].includes(host) ? [] : [host.includes(":") ? `[${host}]` : host];
  return [...new Set(["localhost", "127.0.0.1", "[::1]", ...listening, ...extra])];
}

/** BILLING_API_KEY / the option wins; else the key stored in the data dir; else a new one (stored if there is a data dir). */
function resolveApiKey(
  given: string | undefined,
  dataDir: string | undefined,
): { apiKey: string; source: LocalServer["apiKeySource"] } {
  if (given !== undefined) {
    if (!given.trim()) throw new Error("the API key must not be empty");
    return { apiKey: given.trim(), source: "given" };
  }
  const file = dataDir ? join(dataDir, API_KEY_FILE) : undefined;
  if (file && existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored) return { apiKey: stored, source: "stored" };
  }
  const apiKey = `bk_dev_${randomBytes(24).toString("base64url")}`;
  if (dataDir && file) {
    ensurePrivateDir(dataDir);
    writeFileSync(file, `${apiKey}\n`, { mode: 0o600 });
  }
  return { apiKey, source: "generated" };
}

/** Runs closeDuePeriods now and then every interval, never two at once; logs only when it did something. */
function startSweeper(deps: Deps, intervalMs: number, log: (line: string) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const budgetMs = Math.max(1_000, intervalMs - 1_000);
  const sweep = async () => {
    try {
      const result = await closeDuePeriods(deps, { budgetMs });
      if (result.closed > 0 || result.failed > 0) {
        log(
          `sweeper: closed ${result.closed} of ${result.found} due period(s)` +
            (result.failed ? `, ${result.failed} failed` : "") +
            (result.complete ? "" : "; more are due, continuing next run") +
            ` (${result.durationMs} ms)`,
        );
      }
    } catch (error) {
      log(`sweeper: run failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const run = () => {
    running = sweep().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(run, intervalMs);
    });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

class LoggingPublisher implements EventPublisher {
  constructor(private readonly log: (line: string) => void) {}
  async publish(events: BillingEvent[]): Promise<void> {
    for (const event of events) this.log(`event ${event.type} ${summarize(event.detail)}`);
  }
}

/** One short line per business event: invoices by number, customer and total; others as (truncated) JSON. */
function summarize(detail: Record<string, unknown>): string {
  const invoice = detail.invoice as
    | { number?: unknown; customerId?: unknown; total?: unknown; currency?: unknown }
    | undefined;
  if (invoice && typeof invoice === "object" && invoice.number) {
    return `${String(invoice.number)} customer=${String(invoice.customerId)} total=${String(invoice.total)} ${String(invoice.currency ?? "")}`.trim();
  }
  const text = JSON.stringify(detail);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export function demoCurl(url: string, apiKey: string): string {
  return [
    `curl -s ${url}`,
    `  -H ${shellQuote(`Authorization: Bearer ${apiKey}`)}`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(JSON.stringify(DEMO_TRACK_REQUEST))}`,
  ].join(" \\\n");
}

/** The options `npm start` derives from the environment. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): StartOptions {
  const integer = (name: string, fallback: number) => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`);
    return Number.parseInt(text, 10);
  };
  const dataDir = env.BILLING_DATA_DIR?.trim() || ".data";
  const clock = env.BILLING_CLOCK?.trim() || "test";
  if (clock !== "test" && clock !== "real") throw new Error(`BILLING_CLOCK must be test or real, got "${clock}"`);
  return {
    port: integer("PORT", DEFAULT_PORT),
    host: env.HOST?.trim() || undefined,
    allowedHosts: (env.BILLING_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean),
    dataDir: dataDir === "memory" ? undefined : dataDir,
    apiKey: env.BILLING_API_KEY?.trim() ? env.BILLING_API_KEY : undefined,
    signingSecret: env.BILLING_SIGNING_SECRET?.trim() ? env.BILLING_SIGNING_SECRET : undefined,
    corsOrigins: (env.BILLING_CORS_ORIGINS ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    table: env.BILLING_TABLE?.trim() || undefined,
    clock,
    sweepIntervalMs: integer("BILLING_SWEEP_INTERVAL_MS", DEFAULT_SWEEP_INTERVAL_MS),
  };
}

async function main() {
  const options = optionsFromEnv();
  console.log(
    `starting DynamoDB Local (${options.dataDir ? `data in ${resolve(options.dataDir)}` : "in memory, nothing kept"})...`,
  );
  const local = await startLocal(options);
  const keyNote = {
    given: "from BILLING_API_KEY",
    stored: `stored in ${join(resolve(options.dataDir ?? "."), API_KEY_FILE)}`,
    generated: options.dataDir
      ? `new, stored in ${join(resolve(options.dataDir), API_KEY_FILE)}`
      : "new for this run (memory mode)",
  }[local.apiKeySource];
  console.log(
    [
      "",
      `Billing API ready (${options.clock === "real" ? "real clock" : "test clock: move it with advanceClock"})`,
      `  GraphiQL:   ${local.url}   (open in a browser and paste the key below into its Headers tab)`,
      `  API key:    ${local.apiKey}   (${keyNote})`,
      `  DynamoDB:   ${local.dynamoEndpoint}, table ${local.table}`,
      `  Sweeper:    closes due billing periods every ${(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS) / 1000} s`,
      "",
      `Track one API call for the demo customer (run it twice: the second answer says replayed: true):`,
      "",
      local.curl,
      "",
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );

  // One Ctrl-C often arrives twice: the terminal signals the whole process group (npm, tsx and
  // this process) and tsx relays its own copy. A second signal within a second is the same stop;
  // a later one (the user pressing Ctrl-C again because stopping hangs) exits at once.
  let stoppingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_STOP_MS) return;
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping the API, the sweeper and DynamoDB Local...`);
    local.stop().then(
      () => {
        console.log("stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
