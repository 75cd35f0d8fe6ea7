/**
 * The DynamoDB clients. Numbers are read back wrapped (`wrapNumbers`) so 38-digit ledger
 * amounts never pass through a float; `bigint`s are written as Numbers as they are. Connections
 * are kept alive (the SDK's default agent: keepAlive, up to 50 sockets).
 *
 * `wire` sends the hot calls (every transaction through `transact`, every `getItem`) without the
 * SDK's pipeline (./wire/transport.ts); everything else goes through the SDK's document client.
 * Middleware added to `raw` (tests observing requests, the reliability simulation's faults, the
 * bench's request counter) also wraps the wire transport's calls, at the same steps.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Hook, Hooks } from "./wire/hooks";
import { MARSHALL, UNMARSHALL } from "./wire/documents";
import type { Credentials } from "./wire/sigv4";
import { type RetryStrategy, WireTransport } from "./wire/transport";

export type Db = { doc: DynamoDBDocumentClient; raw: DynamoDBClient; wire: WireTransport; table: string };

export type DbConfig = { table: string; endpoint?: string; region?: string };

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export function createDb(config: DbConfig): Db {
  const raw = new DynamoDBClient({
    region: regionOf(config),
    ...(config.endpoint ? { endpoint: config.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 4,
  });
  // No SDK logger is configured, so the SDK's logger middleware logs nothing: it would still
  // copy every request's input and output through the sensitive-data filter to hand them to the
  // no-op logger (about 4% of a trackUsage's server CPU).
  raw.middlewareStack.remove("loggerMiddleware");
  return dbOn(raw, config);
}

/** A Db around an SDK client configured by the caller (the reliability simulation's, with faults). */
export function dbOn(raw: DynamoDBClient, config: DbConfig): Db {
  // Copies: the document client writes its own defaults into the option objects it is given.
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { ...MARSHALL },
    unmarshallOptions: { ...UNMARSHALL },
  });
  const region = regionOf(config);
  const wire = new WireTransport({
    endpoint:
      config.endpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL ?? awsEndpoint(region),
    region,
    credentials: credentialsFor(config, raw),
    retryStrategy: raw.config.retryStrategy as () => Promise<RetryStrategy>,
    // BILLING_DYNAMODB_TRANSPORT=sdk: the hot calls through the SDK too (a way back, and the bench's A/B).
    viaSdk: process.env.BILLING_DYNAMODB_TRANSPORT === "sdk",
  });
  mirrorMiddleware(raw, wire.hooks);
  return { doc, raw, wire, table: config.table };
}

const regionOf = (config: DbConfig) => config.region ?? process.env.AWS_REGION ?? "us-east-1";

const awsEndpoint = (region: string) =>
  `https://dynamodb.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;

/**
 * The SDK's credentials, read the cheap way when they are static: a local endpoint's, or the
 * environment's (the first source of the SDK's default chain, and a Lambda's: they last as long as
 * its container). Anything else (profiles, SSO, container or instance roles) is the SDK client's
 * own provider, which caches and refreshes them.
 */
function credentialsFor(config: DbConfig, raw: DynamoDBClient): () => Credentials | Promise<Credentials> {
  if (config.endpoint) return () => LOCAL_CREDENTIALS;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN } = process.env;
  if (accessKeyId && secretAccessKey) {
    const fromEnv = { accessKeyId, secretAccessKey, ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}) };
    return () => fromEnv;
  }
  return () => raw.config.credentials();
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
