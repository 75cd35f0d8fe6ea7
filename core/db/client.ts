/**
 * The DynamoDB clients. Numbers are read back wrapped (`wrapNumbers`) so 38-digit ledger
 * amounts never pass through a float; `bigint`s are written as Numbers as they are. Connections
 * are kept alive (the SDK's default agent: keepAlive, up to 50 sockets).
 *
 * `wire` sends the hot calls (every transaction through `transact`, every `getItem`) without the
 * SDK's pipeline (./wire/transport.ts); everything else goes through the SDK's document client,
 * `doc`. The SDK itself (./sdk.ts) is loaded on the first call that needs it, not at import: a
 * Lambda's cold start and its first track or check do not load it (docs/performance.md).
 * Middleware added to `raw` (tests observing requests, the reliability simulation's faults, the
 * bench's request counter) also wraps the wire transport's calls, at the same steps.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_RETRY_MODE, Retry, resolveRetryConfig } from "@smithy/core/retry";
import { Command } from "./commands";
import type { Hook, Hooks } from "./wire/hooks";
import type { Credentials } from "./wire/sigv4";
import { type RetryStrategy, WireTransport } from "./wire/transport";

export type SdkClients = { raw: DynamoDBClient; doc: DynamoDBDocumentClient };
/** The clients and the SDK's command classes (./sdk.ts). */
type Loaded = SdkClients & { commands: typeof import("./sdk").SDK_COMMANDS };

/**
 * Sends a command of ./commands.ts (or one of the SDK's own) through the SDK's document client,
 * loading the SDK first if it is not loaded yet.
 */
export type DocClient = {
  send: (<I, O>(command: Command<I, O>) => Promise<O>) & DynamoDBDocumentClient["send"];
};

export type Db = {
  doc: DocClient;
  /** The SDK's client, once loaded (`await db.sdk()`, or a Db from `openDb` or `dbOn`); throws before. */
  readonly raw: DynamoDBClient;
  wire: WireTransport;
  table: string;
  /** Loads the SDK (once) and resolves with its clients. */
  sdk: () => Promise<SdkClients>;
};

export type DbConfig = { table: string; endpoint?: string; region?: string };

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The Db a deployment runs: the SDK client is built on first use, with the options it always had
 * (region, endpoint, maxAttempts 4) and the retry strategy the wire transport already uses.
 */
export function createDb(config: DbConfig): Db {
  const region = regionOf(config);
  // The strategy the SDK client would resolve for itself (its resolveRetryConfig with DynamoDB's
  // defaults; the retry mode from AWS_RETRY_MODE, default standard; a profile's retry_mode is not
  // read), built here so the wire transport retries without loading the SDK, and given to the
  // SDK client when it is built: one strategy, one retry quota, for both, as before.
  const { retryStrategy } = resolveRetryConfig(
    { maxAttempts: 4, retryMode: process.env.AWS_RETRY_MODE || DEFAULT_RETRY_MODE },
    { defaultBaseDelay: Retry.v2026 ? 25 : undefined, defaultMaxAttempts: Retry.v2026 ? 4 : undefined },
  );
  let db: Db;
  const load = once(async () => {
    const sdk = await import("./sdk");
    const raw = sdk.dynamoDbClient({
      region,
      ...(config.endpoint ? { endpoint: config.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
      maxAttempts: 4,
      retryStrategy: (await retryStrategy()) as never,
    });
    mirrorMiddleware(raw, db.wire.hooks);
    return { raw, doc: sdk.documentClient(raw), commands: sdk.SDK_COMMANDS };
  });
  db = assemble(config, load, retryStrategy as () => Promise<RetryStrategy>, () => undefined);
  return db;
}

/** createDb, with the SDK loaded: for tools and tests that use `raw` right away. */
export async function openDb(config: DbConfig): Promise<Db> {
  const db = createDb(config);
  await db.sdk();
  return db;
}

/** A Db around an SDK client configured by the caller (the reliability simulation's, with faults). */
export function dbOn(raw: DynamoDBClient, config: DbConfig): Db {
  const load = once(async () => {
    const sdk = await import("./sdk");
    return { raw, doc: sdk.documentClient(raw), commands: sdk.SDK_COMMANDS };
  });
  const db = assemble(config, load, raw.config.retryStrategy as () => Promise<RetryStrategy>, () => raw);
  mirrorMiddleware(raw, db.wire.hooks);
  return db;
}

function assemble(
  config: DbConfig,
  load: () => Promise<Loaded>,
  retryStrategy: () => Promise<RetryStrategy>,
  given: () => DynamoDBClient | undefined,
): Db {
  const region = regionOf(config);
  let loaded: Loaded | undefined;
  const sdk = () => (loaded ? Promise.resolve(loaded) : load().then((clients) => (loaded = clients)));
  const wire = new WireTransport({
    endpoint:
      config.endpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL ?? awsEndpoint(region),
    region,
    credentials: credentialsFor(config, sdk),
    retryStrategy,
    // BILLING_DYNAMODB_TRANSPORT=sdk: the hot calls through the SDK too (a way back, and the bench's A/B).
    viaSdk: process.env.BILLING_DYNAMODB_TRANSPORT === "sdk",
  });
  const send = async (command: unknown) => {
    const { doc, commands } = loaded ?? (await sdk());
    if (!(command instanceof Command)) return doc.send(command as never);
    return doc.send(new commands[command.sdkName](command.input as never) as never);
  };
  return {
    doc: { send: send as DocClient["send"] },
    get raw() {
      const raw = loaded?.raw ?? given();
      if (!raw) throw new Error("the SDK is not loaded yet: await db.sdk() first (or build the Db with openDb)");
      return raw;
    },
    wire,
    table: config.table,
    sdk: async () => {
      const { raw, doc } = await sdk();
      return { raw, doc };
    },
  };
}

/** Runs `load` once; a failed load is retried by the next call. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

const regionOf = (config: DbConfig) => config.region ?? process.env.AWS_REGION ?? "us-east-1";

const awsEndpoint = (region: string) =>
  `https://dynamodb.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;

/**
 * The SDK's credentials, read the cheap way when they are static: a local endpoint's, or the
 * environment's (the first source of the SDK's default chain, and a Lambda's: they last as long as
 * its container). Anything else (profiles, SSO, container or instance roles) is the SDK client's
 * own provider, which caches and refreshes them (loading the SDK on the first call).
 */
function credentialsFor(config: DbConfig, sdk: () => Promise<SdkClients>): () => Credentials | Promise<Credentials> {
  if (config.endpoint) return () => LOCAL_CREDENTIALS;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN } = process.env;
  if (accessKeyId && secretAccessKey) {
    const fromEnv = { accessKeyId, secretAccessKey, ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}) };
    return () => fromEnv;
  }
  return async () => (await sdk()).raw.config.credentials();
}

/** Every middleware added to `raw` from now on (and removed) is added to (removed from) `hooks` too. */
function mirrorMiddleware(raw: DynamoDBClient, hooks: Hooks): void {
  const stack = raw.middlewareStack;
  const add = stack.add.bind(stack);
  const remove = stack.remove.bind(stack);
  stack.add = ((middleware: Hook, options?: { step?: string; name?: string; priority?: string }) => {
    add(middleware as never, options as never);
    hooks.add(middleware, options);
  }) as unknown as typeof stack.add;
  stack.remove = ((toRemove: string | Hook) => {
    hooks.remove(toRemove);
    return remove(toRemove as never);
  }) as unknown as typeof stack.remove;
}
