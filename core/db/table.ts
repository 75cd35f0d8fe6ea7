/**
 * The table definition as DynamoDB's CreateTable takes it, built from the key constants. DynamoDB
 * Local creates exactly this; stacks/table.ts declares the same keys and indexes for AWS.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "./keys";

export function tableDefinition(tableName: string): CreateTableCommandInput {
  const gsi = (index: { name: string; partitionKey: string; sortKey: string; projection: "ALL" | "KEYS_ONLY" }) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: "HASH" as const },
      { AttributeName: index.sortKey, KeyType: "RANGE" as const },
    ],
    Projection: { ProjectionType: index.projection },
  });
  const stringAttributes = [
    TABLE.partitionKey,
    TABLE.sortKey,
    TABLE.dueIndex.partitionKey,
    TABLE.dueIndex.sortKey,
    TABLE.timelineIndex.partitionKey,
    TABLE.timelineIndex.sortKey,
    TABLE.planIndex.partitionKey,
    TABLE.planIndex.sortKey,
  ];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: stringAttributes.map((AttributeName) => ({ AttributeName, AttributeType: "S" as const })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [gsi(TABLE.dueIndex), gsi(TABLE.timelineIndex), gsi(TABLE.planIndex)],
  };
}

/** Creates the table if it does not exist yet (idempotent), with TTL on `expiresAt`. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
}
