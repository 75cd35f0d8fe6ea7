/**
 * A fresh table in the suite's DynamoDB Local, per test file (or per call), so files run in
 * parallel without sharing data. The test clock starts at a fixed instant unless told otherwise.
 */
import { randomUUID } from "node:crypto";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { openDb, type Db } from "../../core/db/client";
import { ensureTable } from "../../core/db/table";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher, type Deps } from "../../core/deps";
import { dynamoEndpoint } from "./dynamo-endpoint";

export const T0 = "2026-01-01T00:00:00.000Z";

export type TestDeps = Deps & { publisher: RecordingPublisher };

/**
 * No API path may Scan the table (a Scan reads every item: its cost grows with the whole store).
 * Every test database refuses one outright, so any test that reaches a Scan fails
 * (test/infra/no-scan.test.ts also checks the source statically).
 */
export function refuseScans(db: Db): Db {
  db.raw.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === "ScanCommand" && !scanning.has(db))
        throw new Error("a Scan was issued: the API must Query an index");
      return next(args);
    },
    { step: "initialize", name: "refuseScans" },
  );
  return db;
}

const scanning = new Set<Db>();

/** Every item of the table, for a test that inspects what was stored (the one Scan allowed). */
export async function scanTable(db: Db, options: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
  scanning.add(db);
  try {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.doc.send(
        new ScanCommand({ TableName: db.table, ConsistentRead: options.consistent, ExclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  } finally {
    scanning.delete(db);
  }
}

export async function createTestDb(): Promise<Db> {
  const db = refuseScans(await openDb({ table: `test-${randomUUID()}`, endpoint: dynamoEndpoint() }));
  await ensureTable(db.raw, db.table);
  return db;
}

/** gracePeriodMs: the deployment's BILLING_GRACE_PERIOD (core/periods/grace.ts); none by default. */
export async function createTestDeps(options: { clockStart?: string; gracePeriodMs?: number } = {}): Promise<TestDeps> {
  const db = await createTestDb();
  const start = new Date(options.clockStart ?? T0);
  const grace = options.gracePeriodMs ? { gracePeriodMs: options.gracePeriodMs } : {};
  return { db, clock: storedTestClock(db, () => start), publisher: new RecordingPublisher(), ...grace };
}
