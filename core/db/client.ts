/**
 * The DynamoDB document client. Numbers are read back wrapped (`wrapNumbers`) so 38-digit ledger
 * amounts never pass through a float; `bigint`s are written as Numbers as they are. Connections
 * are kept alive (the SDK's default agent: keepAlive, up to 50 sockets).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export type Db = { doc: DynamoDBDocumentClient; raw: DynamoDBClient; table: string };

export type DbConfig = { table: string; endpoint?: string; region?: string };

export function createDb(config: DbConfig): Db {
  const raw = new DynamoDBClient({
    region: config.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
    maxAttempts: 4,
  });
  // No SDK logger is configured, so the SDK's logger middleware logs nothing: it would still
  // copy every request's input and output through the sensitive-data filter to hand them to the
  // no-op logger (about 4% of a trackUsage's server CPU).
  raw.middlewareStack.remove("loggerMiddleware");
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: true },
  });
  return { doc, raw, table: config.table };
}
