/**
 * The wire transport (core/db/wire/) on DynamoDB Local: it reads and writes what the SDK's
 * document client reads and writes, answers with the SDK's own exceptions (the same class, name,
 * message, fault and cancellation reasons for the same failing request), retries with the SDK
 * client's retry strategy (throttling and lost replies, the same ClientRequestToken on every
 * attempt, so a commit whose reply was lost is answered with its stored success), and runs the
 * middleware added to the SDK client at the same steps.
 */
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../core/db/client";
import { getItem } from "../../core/db/items";
import { transact, type TransactItem } from "../../core/db/transact";
import { transactWriteInput } from "../../core/db/wire/documents";
import { serviceError } from "../../core/db/wire/errors";
import { createTestDb } from "../support/db";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});

const put = (pk: string, extra: Record<string, unknown> = {}): TransactItem => ({
  Put: { TableName: db.table, Item: { pk, sk: pk, ...extra } },
});
const putNew = (pk: string): TransactItem => ({
  Put: {
    TableName: db.table,
    Item: { pk, sk: pk, again: true },
    ConditionExpression: "attribute_not_exists(pk)",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  },
});

/** What the SDK's document client throws for the same transaction. */
async function sdkError(items: TransactItem[]): Promise<Record<string, any>> {
  try {
    await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    return error as Record<string, any>;
  }
  throw new Error("the SDK wrote it");
}

/** The members of an exception that callers read. */
const shape = (e: Record<string, any>) => ({
  class: e.constructor.name,
  name: e.name,
  message: e.message,
  fault: e.$fault,
  status: e.$metadata.httpStatusCode,
  attempts: e.$metadata.attempts,
  reasons: e.CancellationReasons,
  type: e.__type,
  keys: Object.keys(e).sort(),
});

/** Adds `hook` to the SDK client for the duration of `run`. */
async function withHook<T>(hook: any, options: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  db.raw.middlewareStack.add(hook, { ...options, name: "wireTest", override: true } as never);
  try {
    return await run();
  } finally {
    db.raw.middlewareStack.remove("wireTest");
  }
}

describe("the wire transport", () => {
  it("writes and reads exactly what the SDK's document client does (bigints, wrapped numbers, maps, lists)", async () => {
    const item = { amount: 123456789012345678901234567890n, map: { a: 1n, b: "x" }, list: ["y", 2n], flag: true };
    expect(await transact(db, [put("w1", item)])).toBeUndefined();
    const viaSdk = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: { pk: "w1", sk: "w1" }, ConsistentRead: true }),
    );
    expect(await getItem(db, { pk: "w1", sk: "w1" })).toEqual(viaSdk.Item);
    expect(String((viaSdk.Item!.amount as { value: string }).value)).toBe("123456789012345678901234567890");
    expect(await getItem(db, { pk: "none", sk: "none" })).toBeUndefined();
  });

  it("answers a cancelled transaction with the SDK's TransactionCanceledException and its reasons", async () => {
    await transact(db, [put("w2", { n: 5n })]);
    const items = [putNew("w2"), put("w3")];
    const cancelled = await transact(db, items);
    expect(cancelled?.error).toBeInstanceOf(TransactionCanceledException);
    expect(cancelled?.reasons).toEqual([
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        Item: { pk: { S: "w2" }, sk: { S: "w2" }, n: { N: "5" } },
      },
      { Code: "None" },
    ]);
    expect(shape(cancelled!.error as never)).toEqual(shape(await sdkError(items)));
  });

  it("maps other errors to the SDK's classes: an unknown table, a validation error", async () => {
    const missing = { ...db, table: "no-such-table" };
    const wire = await getItem(missing, { pk: "a", sk: "a" }).catch((e: Record<string, any>) => e);
    const sdk = await db.doc
      .send(new GetCommand({ TableName: "no-such-table", Key: { pk: "a", sk: "a" } }))
      .catch((e: Record<string, any>) => e);
    expect(shape(wire as never)).toEqual(shape(sdk as never));
    expect((wire as Error).name).toBe("ResourceNotFoundException");
    const invalid = [{ Put: { TableName: db.table, Item: { pk: "only-pk" } } }];
    const wireInvalid = await transact(db, invalid).catch((e: Record<string, any>) => e);
    expect(shape(wireInvalid as never)).toEqual(shape(await sdkError(invalid)));
  });

  it("maps error bodies it cannot meet on DynamoDB Local: throttling, a condition's item, a proxy's page", () => {
    const response = (statusCode: number) => ({ statusCode, headers: { "x-amzn-requestid": "r-1" } });
    const throttled = serviceError(
      response(400),
      '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}',
    );
    expect(throttled).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(throttled).toMatchObject({
      name: "ProvisionedThroughputExceededException",
      message: "slow down",
      $fault: "client",
    });
    expect(throttled.$metadata).toEqual({ httpStatusCode: 400, requestId: "r-1" });
    const condition = serviceError(
      response(400),
      '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"failed","Item":{"b":{"B":"AQI="}}}',
    );
    expect(condition).toBeInstanceOf(ConditionalCheckFailedException);
    expect((condition as ConditionalCheckFailedException).Item).toEqual({ b: { B: new Uint8Array([1, 2]) } });
    const unavailable = serviceError(response(503), "<html>Service Unavailable</html>");
    expect(unavailable).toMatchObject({ name: "Http503Error", $fault: "server", $metadata: { httpStatusCode: 503 } });
    const throttling = serviceError(
      response(400),
      '{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}',
    );
    expect(throttling).toMatchObject({ name: "ThrottlingException", message: "Rate exceeded" });
  });

  it("retries throttling with the SDK's strategy, at most 4 attempts, and runs finalizeRequest hooks per attempt", async () => {
    let failures = 2;
    let attempts = 0;
    const throttle = (next: any) => async (args: any) => {
      attempts++;
      if (failures-- > 0)
        throw new ProvisionedThroughputExceededException({ message: "injected", $metadata: { httpStatusCode: 400 } });
      return next(args);
    };
    await withHook(throttle, { step: "finalizeRequest", priority: "low" }, () => transact(db, [put("w4")]));
    expect(attempts).toBe(3);
    expect(await getItem(db, { pk: "w4", sk: "w4" })).toEqual({ pk: "w4", sk: "w4" });

    failures = 10;
    attempts = 0;
    const error = await withHook(throttle, { step: "finalizeRequest", priority: "low" }, () =>
      getItem(db, { pk: "w4", sk: "w4" }),
    ).catch((e: Record<string, any>) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(attempts).toBe(4);
    expect((error as { $metadata: { attempts: number } }).$metadata.attempts).toBe(4);
  }, 30_000);

  it("resends a transaction whose reply was lost with the same ClientRequestToken: DynamoDB answers its stored success", async () => {
    let lost = true;
    const bodies: string[] = [];
    const loseFirstReply = (next: any) => async (args: any) => {
      const result = await next(args);
      if (lost) {
        lost = false;
        throw Object.assign(new Error("injected: reply lost"), { name: "TimeoutError" });
      }
      return result;
    };
    // The condition would fail on a second commit; the resend is answered as the first one was.
    const items = [
      putNew("w5"),
      {
        Update: {
          TableName: db.table,
          Key: { pk: "c", sk: "c" },
          UpdateExpression: "ADD n :one",
          ExpressionAttributeValues: { ":one": 1n },
        },
      },
    ];
    const record = (next: any) => async (args: any) => {
      bodies.push(JSON.stringify(args.input));
      return next(args);
    };
    db.raw.middlewareStack.add(record as never, { step: "finalizeRequest", priority: "high", name: "record" } as never);
    try {
      expect(
        await withHook(loseFirstReply, { step: "finalizeRequest", priority: "low" }, () => transact(db, items)),
      ).toBeUndefined();
    } finally {
      db.raw.middlewareStack.remove("record");
    }
    expect(bodies).toHaveLength(2);
    expect((await getItem(db, { pk: "c", sk: "c" }))!.n).toEqual({ value: "1" });
  });

  it("shows initialize hooks the document-form input and output, build hooks the marshalled ones", async () => {
    const seen: Record<string, unknown>[] = [];
    const observe = (step: string) => (next: any, context: any) => async (args: any) => {
      const out = await next(args);
      seen.push({ step, command: context.commandName, input: structuredClone(args.input), item: out.output.Item });
      return out;
    };
    db.raw.middlewareStack.add(observe("build") as never, { step: "build", name: "observeBuild" } as never);
    try {
      await withHook(observe("initialize"), { step: "initialize" }, () => getItem(db, { pk: "w4", sk: "w4" }));
    } finally {
      db.raw.middlewareStack.remove("observeBuild");
    }
    expect(seen).toEqual([
      {
        step: "build",
        command: "GetItemCommand",
        input: { TableName: db.table, Key: { pk: { S: "w4" }, sk: { S: "w4" } }, ConsistentRead: true },
        item: { pk: { S: "w4" }, sk: { S: "w4" } },
      },
      {
        step: "initialize",
        command: "GetItemCommand",
        input: { TableName: db.table, Key: { pk: "w4", sk: "w4" }, ConsistentRead: true },
        item: { pk: "w4", sk: "w4" },
      },
    ]);
    expect(transactWriteInput({ TransactItems: [put("x", { n: 1n })] }).TransactItems[0].Put.Item).toEqual({
      pk: { S: "x" },
      sk: { S: "x" },
      n: { N: "1" },
    });
  });
});

describe("binary values", () => {
  it("are written as base64 and read back as bytes, as the SDK does", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250]);
    await transact(db, [put("bin", { b: bytes, set: new Set([new Uint8Array([7])]) })]);
    const viaSdk = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: { pk: "bin", sk: "bin" }, ConsistentRead: true }),
    );
    expect(viaSdk.Item!.b).toEqual(bytes);
    expect(await getItem(db, { pk: "bin", sk: "bin" })).toEqual(viaSdk.Item);
  });
});

describe("BILLING_DYNAMODB_TRANSPORT=sdk", () => {
  it("sends the hot calls through the SDK's document client instead", async () => {
    process.env.BILLING_DYNAMODB_TRANSPORT = "sdk";
    const viaSdk = await openDb({ table: db.table, endpoint: dynamoEndpoint() });
    delete process.env.BILLING_DYNAMODB_TRANSPORT;
    const serialized: string[] = [];
    // The serialize step belongs to the SDK's own pipeline: only a call through the SDK passes it.
    viaSdk.raw.middlewareStack.add(
      (next, context) => async (args) => {
        serialized.push(String(context.commandName));
        return next(args);
      },
      { step: "serialize", name: "serialized" },
    );
    expect(await transact(viaSdk, [put("sdk-1")])).toBeUndefined();
    expect(await getItem(viaSdk, { pk: "sdk-1", sk: "sdk-1" })).toEqual({ pk: "sdk-1", sk: "sdk-1" });
    expect(serialized).toEqual(["TransactWriteItemsCommand", "GetItemCommand"]);
  });
});
