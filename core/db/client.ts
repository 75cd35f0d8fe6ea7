/**
 * The DynamoDB document client. Numbers are read back wrapped (`wrapNumbers`) so 38-digit ledger
 * amounts never pass through a float; `bigint`s are written as Numbers as they are.
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
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: true },
  });
  return { doc, raw, table: config.table };
}
