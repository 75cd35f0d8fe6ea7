/**
 * Benchmark helpers: command-line options, a DynamoDB request counter (an SDK middleware that also
 * asks for ReturnConsumedCapacity), AWS's item-size rules, load generators and percentiles.
 * Timing lives here and in bench/*.ts only, never in tests.
 */
import type { DynamoDBClient, AttributeValue, ConsumedCapacity } from "@aws-sdk/client-dynamodb";

/**
 * A command-line option of a bench script: `--name value` or `--name=value`; `fallback` when it
 * is absent, "" when it is given without a value.
 */
export function arg(name: string, fallback: string): string {
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const i = process.argv.indexOf(`--${name}`);
  const next = i >= 0 ? process.argv[i + 1] : undefined;
  return i < 0 ? fallback : next && !next.startsWith("--") ? next : "";
}

export type Counts = {
  /** DynamoDB requests by operation (GetItem, TransactWriteItems, ...). */
  requests: Record<string, number>;
  /** Items written per operation (TransactWriteItems: TransactItems.length). */
  items: Record<string, number>;
  /** Capacity units DynamoDB reported (ReturnConsumedCapacity: INDEXES), when it reports them. */
  reported: { read: number; write: number; gsiWrite: number; responses: number; withCapacity: number };
  /**
   * Write units of the transactions' puts by AWS's rules, from the items actually sent: 2 per KB
   * per item, plus 1 per KB of each index entry the item writes (gsi2 projects the whole item,
   * gsi1 keys only). Updates are counted; their size is the stored item's, known to the caller.
   */
  transactions: { putWriteUnits: number; indexWriteUnits: number; updates: number };
};

export const emptyCounts = (): Counts => ({
  requests: {},
  items: {},
  reported: { read: 0, write: 0, gsiWrite: 0, responses: 0, withCapacity: 0 },
  transactions: { putWriteUnits: 0, indexWriteUnits: 0, updates: 0 },
});

const CAPACITY_OPS = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "TransactWriteItems",
  "TransactGetItems",
  "BatchWriteItem",
  "BatchGetItem",
]);

/** Low-level operation name of a low-level or document-client command. */
function operationOf(commandName: string | undefined, input: Record<string, unknown>): string {
  const name = (commandName ?? "Unknown").replace(/Command$/, "");
  const doc: Record<string, string> = {
    Get: "GetItem",
    Put: "PutItem",
    Update: "UpdateItem",
    Delete: "DeleteItem",
    TransactWrite: "TransactWriteItems",
    TransactGet: "TransactGetItems",
    BatchWrite: "BatchWriteItem",
    BatchGet: "BatchGetItem",
  };
  if (doc[name]) return doc[name]!;
  if (name === "Unknown" && "TransactItems" in input) return "TransactWriteItems";
  return name;
}

/** Middleware names countRequests adds (stopCountingRequests removes them). */
const COUNTING = ["benchCountRequests", "benchReturnCapacity"];

/** Undoes countRequests: `client`'s calls go out as the product sends them (no ReturnConsumedCapacity, no counting). */
export function stopCountingRequests(client: DynamoDBClient): void {
  for (const name of COUNTING) client.middlewareStack.remove(name);
}

/**
 * Counts every request `client` sends (document clients built on it included) into `counts`.
 * `"all"`: requests, items, the write units of each put by its size, and the capacity DynamoDB
 * reports (every write and read asks for it: DynamoDB Local then computes it, and the answer is
 * longer). `"requests"`: requests and transaction items only, which costs the server and DynamoDB
 * next to nothing: what runs while the API is measured against a raw baseline that sends none of it.
 */
export function countRequests(client: DynamoDBClient, counts: () => Counts, what: "all" | "requests" = "all"): void {
  stopCountingRequests(client);
  if (what === "requests") {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        const op = operationOf(context.commandName, input);
        const c = counts();
        c.requests[op] = (c.requests[op] ?? 0) + 1;
        if (op === "TransactWriteItems")
          c.items[op] = (c.items[op] ?? 0) + ((input.TransactItems as unknown[] | undefined)?.length ?? 0);
        return next(args);
      },
      { step: "build", name: "benchCountRequests", override: true },
    );
    return;
  }
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const op = operationOf(context.commandName, input);
      const c = counts();
      c.requests[op] = (c.requests[op] ?? 0) + 1;
      if (op === "TransactWriteItems") {
        const items = (input.TransactItems ?? []) as {
          Put?: { Item: Record<string, AttributeValue> };
          Update?: unknown;
        }[];
        c.items[op] = (c.items[op] ?? 0) + items.length;
        for (const item of items) {
          if (item.Update) c.transactions.updates++;
          if (!item.Put) continue;
          const size = kbUnits(itemBytes(item.Put.Item));
          c.transactions.putWriteUnits += 2 * size;
          if (item.Put.Item.gsi2pk) c.transactions.indexWriteUnits += size;
          if (item.Put.Item.gsi1pk) c.transactions.indexWriteUnits += 1;
        }
      }
      if (op === "BatchWriteItem") {
        const per = Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>);
        c.items[op] = (c.items[op] ?? 0) + per.reduce((s, l) => s + l.length, 0);
      }
      const out = await next(args);
      const output = out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      c.reported.responses++;
      const list =
        output.ConsumedCapacity === undefined
          ? []
          : Array.isArray(output.ConsumedCapacity)
            ? output.ConsumedCapacity
            : [output.ConsumedCapacity];
      if (list.length) c.reported.withCapacity++;
      for (const cc of list) {
        c.reported.read +=
          cc.ReadCapacityUnits ??
          (op.startsWith("Get") || op === "Query" || op === "BatchGetItem" || op === "TransactGetItems"
            ? (cc.CapacityUnits ?? 0)
            : 0);
        c.reported.write +=
          cc.WriteCapacityUnits ??
          (op.startsWith("Get") || op === "Query" || op === "BatchGetItem" || op === "TransactGetItems"
            ? 0
            : (cc.CapacityUnits ?? 0));
        for (const g of Object.values(cc.GlobalSecondaryIndexes ?? {}))
          c.reported.gsiWrite +=
            g.WriteCapacityUnits ?? (op.startsWith("Get") || op === "Query" ? 0 : (g.CapacityUnits ?? 0));
      }
      return out;
    },
    { step: "build", name: "benchCountRequests", override: true },
  );
  // Asked for before the request is serialized (the build step above is too late: a field set
  // there never reaches DynamoDB, which is why earlier runs saw capacity on 0 responses).
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (CAPACITY_OPS.has(operationOf(context.commandName, input))) input.ReturnConsumedCapacity = "INDEXES";
      return next(args);
    },
    { step: "initialize", name: "benchReturnCapacity", override: true },
  );
}

/**
 * An item's size by DynamoDB's rules: per attribute, the name's UTF-8 length plus the value's
 * size (strings: UTF-8 length; numbers: 1 byte per 2 significant digits + 1; maps and lists: 3
 * bytes + 1 per element + the elements, map keys included; booleans and null: 1).
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) {
    const digits = v.N.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueBytes(x), 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + valueBytes({ N: x }), 0);
  return 0;
}

export const kbUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

export type LoadResult = {
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  firstError?: string;
};

/** A closed loop: `concurrency` workers call `op` back to back for `ms`; latencies in ms. */
export async function runLoad(
  concurrency: number,
  ms: number,
  op: (n: number) => Promise<void>,
  warmupMs = 300,
): Promise<LoadResult> {
  let n = 0;
  if (warmupMs > 0) {
    const warmEnd = performance.now() + warmupMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < warmEnd) await op(n++).catch(() => undefined);
      }),
    );
  }
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await op(n++);
          latencies.push(performance.now() - t);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    errors,
    seconds,
    opsPerSec: latencies.length / seconds,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    ...(firstError ? { firstError } : {}),
  };
}

export function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export const median = (values: number[]) =>
  pct(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** `total` calls of `op` by `concurrency` workers, back to back; an error fails the run. */
export async function runCount(concurrency: number, total: number, op: (n: number) => Promise<unknown>): Promise<void> {
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (n < total) await op(n++);
    }),
  );
}

/** `fn` over every item, `concurrency` at a time. */
export async function inParallel<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Each count divided by `n`: requests per operation. */
export const perOp = (m: Record<string, number>, n: number) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / n]));

export type ReportedPerOp = { read: number; write: number; gsiWrite: number; responsesWithCapacity: string };

/** The capacity DynamoDB reported, per operation, and on how many responses it reported any. */
export const perReported = (r: Counts["reported"], n: number): ReportedPerOp => ({
  read: r.read / n,
  write: r.write / n,
  gsiWrite: r.gsiWrite / n,
  responsesWithCapacity: `${r.withCapacity}/${r.responses}`,
});
