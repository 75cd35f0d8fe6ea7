/**
 * A fault-injecting DynamoDB client for the reliability simulation. It is the real SDK client
 * talking to the real DynamoDB Local; two pieces of SDK middleware make some requests fail, chosen
 * by a seeded PRNG:
 *
 * - inner (step finalizeRequest, after the SDK's retry middleware: every attempt passes through it,
 *   and the SDK's own retry policy, maxAttempts 4 as in core/db/client.ts, decides what to retry):
 *   - `throttle`: ProvisionedThroughputExceededException / ThrottlingException, nothing sent;
 *   - `conflict`: TransactionCanceledException with a TransactionConflict reason (transactions only;
 *     DynamoDB Local serializes transactions and never raises it), nothing written;
 *   - `network`: a connection reset before the request is sent;
 *   - `lost-reply`: the request is sent and its write commits, then the reply is "lost" (TimeoutError).
 * - outer (step initialize, outside the SDK's retries: what the product's own code sees when the
 *   SDK gives up, or a Lambda times out around a call):
 *   - `network-out`: a network error before anything is sent;
 *   - `ambiguous`: the request commits, then the call fails: the caller cannot know the outcome.
 *
 * It also notes every request a call sends after it has answered (`late`): work left running.
 *
 * Decisions are a pure function of (seed, the workload operation that is running, the number of
 * the request within that operation), read from an AsyncLocalStorage scope, so the same seed gives
 * the same faults to the same operation whatever the interleaving of concurrent operations.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { dbOn, type Db } from "../../core/db/client";
import { ensureTable } from "../../core/db/table";
import { storedTestClock } from "../../core/db/test-clock";
import { keys } from "../../core/db/keys";
import { RecordingPublisher, type Deps } from "../../core/deps";

export type FaultKind = "throttle" | "conflict" | "network" | "lost-reply" | "network-out" | "ambiguous";
export const FAULT_KINDS: FaultKind[] = ["throttle", "conflict", "network", "lost-reply", "network-out", "ambiguous"];

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of a few numbers, to seed a PRNG per (seed, operation, request). */
export function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** `answered`: the operation's call has returned or thrown; a request of it after that is work left running. */
type Scope = { op: number; requests: number; faultFree?: boolean; answered?: boolean };

export class FaultInjector {
  private readonly scope = new AsyncLocalStorage<Scope>();
  /** Faults are only injected while enabled (setup and final reads run fault-free). */
  enabled = false;
  readonly counts: Record<FaultKind, number> = {
    throttle: 0,
    conflict: 0,
    network: 0,
    "lost-reply": 0,
    "network-out": 0,
    ambiguous: 0,
  };
  requests = 0;
  private unscoped = 0;

  constructor(
    readonly seed: number,
    /** Probability that a request meets a fault (split over the kinds below). */
    readonly rate: number,
  ) {}

  /** Runs `fn` as workload operation `op`: its requests draw their faults from (seed, op, n). */
  run<T>(op: number, fn: () => Promise<T>, options: { faultFree?: boolean } = {}): Promise<T> {
    const scope: Scope = { op, requests: 0, faultFree: options.faultFree ?? false };
    return this.scope.run(scope, fn).finally(() => {
      scope.answered = true;
    });
  }

  /**
   * Requests sent by a call after it had answered (its scope's op and the command): work it left
   * running, which a client that retried or moved on cannot see, and which decides later, on a state
   * that moved meanwhile. Product code must finish what it started before it answers.
   */
  readonly late: string[] = [];

  /**
   * Notes a request sent in the scope of a call that has answered. The invoice writes' group commit
   * (core/db/invoices.ts) is exempt: its drain runs in the scope of whichever caller started it, and
   * sends on behalf of callers that are still waiting; its requests all meet the invoice counter.
   */
  checkLate(command: string, input: unknown): void {
    const scope = this.scope.getStore();
    if (!scope?.answered) return;
    const text = JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    if (text.includes(`"${keys.invoiceCounter().pk}"`)) return;
    const of = scope.op >= 0x40000000 ? "a settling sweep" : `operation #${Math.floor(scope.op / 64)}`;
    this.late.push(`${command} of ${of}: ${text.slice(0, 300)}`);
  }

  /** The fault for the next request at this layer, or none. */
  draw(layer: "inner" | "outer", command: string): FaultKind | undefined {
    if (layer === "outer") this.requests++;
    if (!this.enabled || this.rate <= 0) return undefined;
    const scope = this.scope.getStore();
    if (scope?.faultFree) return undefined;
    const n = scope ? scope.requests++ : this.unscoped++;
    const random = prng(mix(this.seed, scope ? scope.op : 0x7fffffff, n, layer === "inner" ? 1 : 2));
    // The outer layer gets a quarter of the rate (these reach product code), the inner the rest.
    const rate = layer === "outer" ? this.rate / 4 : (this.rate * 3) / 4;
    if (random() >= rate) return undefined;
    const r = random();
    let kind: FaultKind;
    if (layer === "outer") kind = r < 0.5 ? "ambiguous" : "network-out";
    else if (command === "TransactWriteItemsCommand" && r < 0.35) kind = "conflict";
    else if (r < 0.65) kind = "throttle";
    else if (r < 0.85) kind = "network";
    else kind = "lost-reply";
    this.counts[kind]++;
    return kind;
  }
}

const throttle = (random: boolean) =>
  random
    ? new ProvisionedThroughputExceededException({
        message: "injected: the level of configured provisioned throughput for the table was exceeded",
        $metadata: { httpStatusCode: 400 },
      })
    : Object.assign(
        new DynamoDBServiceException({
          name: "ThrottlingException",
          $fault: "client",
          message: "injected: rate of requests exceeds the allowed throughput",
          $metadata: { httpStatusCode: 400 },
        }),
      );

const networkError = () =>
  Object.assign(new Error("injected: read ECONNRESET (before the request was sent)"), {
    code: "ECONNRESET",
    $metadata: {},
  });
const timeoutError = () =>
  Object.assign(new Error("injected: the reply was lost after the request was processed"), {
    name: "TimeoutError",
    $metadata: {},
  });
/** What a caller sees when the call fails around a committed write: no AWS classification, no retry. */
const ambiguousError = () => new Error("injected: connection lost after the request was processed; outcome unknown");

function conflict(input: unknown): TransactionCanceledException {
  const items = ((input as { TransactItems?: unknown[] })?.TransactItems ?? []).length;
  // The wallet is the item most written by concurrent transactions; the conflict lands on the last one.
  const at = Math.max(0, items - 1);
  const reasons = Array.from({ length: items }, (_, i) =>
    i === at ? { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" } : { Code: "None" },
  );
  return new TransactionCanceledException({
    message: `injected: Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: reasons,
  });
}

/** Installs the two layers of fault middleware on a client (and its document client, which shares the stack). */
export function installFaults(client: DynamoDBClient, faults: FaultInjector): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      faults.checkLate(context.commandName ?? "", args.input);
      const kind = faults.draw("outer", context.commandName ?? "");
      if (kind === "network-out") throw networkError();
      const result = await next(args);
      if (kind === "ambiguous") throw ambiguousError();
      return result;
    },
    { step: "initialize", priority: "high", name: "faultInjectorOuter" },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // `context` is one per send, shared by the SDK's retry attempts of it.
      const send = context as { faultCommitted?: boolean };
      let kind = faults.draw("inner", context.commandName ?? "");
      // Once an attempt of this send committed, DynamoDB answers the SDK's resend of the same
      // TransactWriteItems (same ClientRequestToken, which the SDK fills in and keeps across its
      // retries) with the stored success: it cannot be cancelled any more. It can still be throttled.
      if (kind === "conflict" && send.faultCommitted) {
        faults.counts.conflict--;
        faults.counts.throttle++;
        kind = "throttle";
      }
      switch (kind) {
        case "throttle":
          throw throttle(faults.counts.throttle % 2 === 0);
        case "conflict":
          throw conflict(args.input);
        case "network":
          throw networkError();
        case "lost-reply": {
          await next(args);
          send.faultCommitted = true;
          throw timeoutError();
        }
        default:
          return next(args);
      }
    },
    { step: "finalizeRequest", priority: "low", name: "faultInjectorInner" },
  );
}

/**
 * A Db built as core/db/client.ts createDb builds it (same client options, maxAttempts 4, same
 * document-client translation, the same wire transport for the hot calls), with the faults
 * installed on both. The SDK's retry backoff is shortened
 * (same attempts and error classification, delays of at most 40 ms) so that a simulation of
 * thousands of operations stays fast; this changes timing, not which errors are retried.
 */
export function createFaultyDb(config: { table: string; endpoint: string }, faults: FaultInjector): Db {
  const raw = new DynamoDBClient({
    region: "us-east-1",
    endpoint: config.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 4,
    retryStrategy: new ConfiguredRetryStrategy(4, (attempt: number) =>
      Math.floor(Math.random() * Math.min(40, 5 * 2 ** attempt)),
    ),
  });
  // Built first, so the faults installed next also wrap the wire transport's calls (core/db/client.ts).
  const db = dbOn(raw, config);
  installFaults(raw, faults);
  return db;
}

export type FaultyDeps = Deps & { publisher: RecordingPublisher; faults: FaultInjector };

export const T0 = "2026-01-01T00:00:00.000Z";

/** Deps on a fresh table: the faulty db, the stored test clock (starting at T0), a recording publisher. */
export async function createFaultyDeps(endpoint: string, table: string, faults: FaultInjector): Promise<FaultyDeps> {
  const db = createFaultyDb({ table, endpoint }, faults);
  const enabled = faults.enabled;
  faults.enabled = false;
  await ensureTable(db.raw, table);
  faults.enabled = enabled;
  const start = new Date(T0);
  return { db, clock: storedTestClock(db, () => start), publisher: new RecordingPublisher(), faults };
}
