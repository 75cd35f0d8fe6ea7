/**
 * DynamoDB Local for the whole run: a pool (test/support/dynamo-pool.ts) that gives each vitest
 * worker an instance of its own, and a fresh one once it has served enough; each test file creates
 * its own table in the instance it leased. One instance serves requests on about one core, so each
 * worker gets its own.
 */
import type { TestProject } from "vitest/node";
import { startDynamoPool, type DynamoPool } from "./dynamo-pool";

let pool: DynamoPool | undefined;

export async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  pool = await startDynamoPool(Math.max(1, Number(project.config.maxWorkers) || 1));
  project.provide("dynamoPool", pool.url);
}

export async function teardown() {
  await pool?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoPool: string;
  }
}
