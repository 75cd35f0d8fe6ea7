/**
 * A fresh table in the suite's DynamoDB Local, per test file (or per call), so files run in
 * parallel without sharing data. The test clock starts at a fixed instant unless told otherwise.
 */
import { inject } from "vitest";
import { randomUUID } from "node:crypto";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createDb, type Db } from "../../core/db/client";
import { ensureTable } from "../../core/db/table";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher, type Deps } from "../../core/deps";

export const T0 = "2026-01-01T00:00:00.000Z";

export type TestDeps = Deps & { publisher: RecordingPublisher };

/** Every item of the table, for a test that inspects what was stored (never the API's way to read). */
export async function scanTable(db: Db, options: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
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
}

export async function createTestDb(): Promise<Db> {
  const db = createDb({ table: `test-${randomUUID()}`, endpoint: inject("dynamoEndpoint") });
  await ensureTable(db.raw, db.table);
  return db;
}

export async function createTestDeps(options: { clockStart?: string } = {}): Promise<TestDeps> {
  const db = await createTestDb();
  const start = new Date(options.clockStart ?? T0);
  return { db, clock: storedTestClock(db, () => start), publisher: new RecordingPublisher() };
}
