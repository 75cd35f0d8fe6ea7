/**
 * The AWS SDK's DynamoDB clients: the one module of core/db that imports the SDK's runtime code.
 * core/db/client.ts loads it with a dynamic import() on the first call that needs it (a Query, an
 * Update, a batch, the SDK's credential chain, `BILLING_DYNAMODB_TRANSPORT=sdk`), so in the Lambda
 * bundles it is a chunk of its own that a cold start does not load (docs/performance.md).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { CommandName } from "./commands";
import { MARSHALL, UNMARSHALL } from "./wire/documents";

/** The SDK's classes for ./commands.ts's commands, by name. */
export const SDK_COMMANDS = {
  GetCommand,
  PutCommand,
  UpdateCommand,
  DeleteCommand,
  QueryCommand,
  BatchGetCommand,
  BatchWriteCommand,
  TransactWriteCommand,
} satisfies Record<CommandName, unknown>;

/** The client createDb builds: its options, and no logger middleware. */
export function dynamoDbClient(config: DynamoDBClientConfig): DynamoDBClient {
  const raw = new DynamoDBClient(config);
  // No SDK logger is configured, so the SDK's logger middleware logs nothing: it would still
  // copy every request's input and output through the sensitive-data filter to hand them to the
  // no-op logger (about 4% of a trackUsage's server CPU).
  raw.middlewareStack.remove("loggerMiddleware");
  return raw;
}

/** The document client on `raw`, translating as the wire transport does (./wire/documents.ts). */
export function documentClient(raw: DynamoDBClient): DynamoDBDocumentClient {
  // Copies: the document client writes its own defaults into the option objects it is given.
  return DynamoDBDocumentClient.from(raw, {
    marshallOptions: { ...MARSHALL },
    unmarshallOptions: { ...UNMARSHALL },
  });
}
