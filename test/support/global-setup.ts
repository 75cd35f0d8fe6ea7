/** One DynamoDB Local for the whole run; each test file creates its own table in it. */
import type { TestProject } from "vitest/node";
import { startDynamoLocal, type DynamoLocal } from "../../tools/dynamodb-local/start";

let local: DynamoLocal | undefined;

export async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  local = await startDynamoLocal();
  project.provide("dynamoEndpoint", local.endpoint);
}

export async function teardown() {
  await local?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
