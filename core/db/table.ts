/**
 * The table definition as DynamoDB's CreateTable takes it, built from the key constants. DynamoDB
 * Local creates exactly this; stacks/table.ts declares the same keys and indexes for AWS. The
 * table's stream (new images) feeds the AI cost and usage history rollups (core/ai-costs/).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
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
    TABLE.listIndex.partitionKey,
    TABLE.listIndex.sortKey,
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
    GlobalSecondaryIndexes: [gsi(TABLE.dueIndex), gsi(TABLE.timelineIndex), gsi(TABLE.listIndex), gsi(TABLE.planIndex)],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
  };
}

/**
 * Creates the table if it does not exist yet (idempotent), with TTL on `expiresAt`. A table kept
 * from an older version (npm start's data folder) gains what it lacks: the stream, the list index.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await upgradeTable(client, tableName);
    return;
  }
  await waitActive(client, tableName);
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
}

async function waitActive(client: DynamoDBClient, tableName: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
    if (Table?.TableStatus === "ACTIVE" && indexesReady) return Table;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${tableName} did not become active`);
}

async function upgradeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const table = await waitActive(client, tableName);
  const definition = tableDefinition(tableName);
  if (!table.StreamSpecification?.StreamEnabled) {
    await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: definition.StreamSpecification }),
    );
    await waitActive(client, tableName);
  }
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitActive(client, tableName);
  }
}
