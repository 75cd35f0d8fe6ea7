/**
 * DynamoDB Local for the whole run: one instance per vitest worker, each test file creating its own
 * table in its worker's instance (test/support/dynamo-endpoint.ts picks it). One instance serves
 * requests on about one core, and under the whole suite's writes it became the bottleneck, so each
 * worker gets its own.
 */
import type { TestProject } from "vitest/node";
import { startDynamoLocal, type DynamoLocal } from "../../tools/dynamodb-local/start";

let locals: DynamoLocal[] = [];

export async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const workers = Math.max(1, Number(project.config.maxWorkers) || 1);
  locals = await Promise.all(Array.from({ length: workers }, () => startDynamoLocal()));
  project.provide(
    "dynamoEndpoints",
    locals.map((l) => l.endpoint),
  );
}

export async function teardown() {
  await Promise.all(locals.map((l) => l.stop()));
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoints: string[];
  }
}
