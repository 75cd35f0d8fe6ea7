/**
 * A fresh table in the suite's DynamoDB Local, per test file (or per call), so files run in
 * parallel without sharing data. The test clock starts at a fixed instant unless told otherwise.
 */
import { inject } from "vitest";
import { randomUUID } from "node:crypto";
import { createDb, type Db } from "../../core/db/client";
import { ensureTable } from "../../core/db/table";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher, type Deps } from "../../core/deps";

export const T0 = "2026-01-01T00:00:00.000Z";

export type TestDeps = Deps & { publisher: RecordingPublisher };

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
