/**
 * The single DynamoDB table: on demand, point-in-time recovery, TTL on the events' expiry, and the
 * GSIs the code queries. Every name comes from core/db/keys.ts, the module that builds the
 * keys, so the table and the code cannot drift.
 */
import { TABLE } from "../core/db/keys";
import { isProduction } from "./settings";

const { partitionKey, sortKey, ttlAttribute, dueIndex, timelineIndex, listIndex, planIndex } = TABLE;

export const table = new sst.aws.Dynamo("Table", {
  fields: {
    [partitionKey]: "string",
    [sortKey]: "string",
    [dueIndex.partitionKey]: "string",
    [dueIndex.sortKey]: "string",
    [timelineIndex.partitionKey]: "string",
    [timelineIndex.sortKey]: "string",
    [listIndex.partitionKey]: "string",
    [listIndex.sortKey]: "string",
    [planIndex.partitionKey]: "string",
    [planIndex.sortKey]: "string",
  },
  primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
  // Projections as core/db/table.ts gives them to DynamoDB Local (SST's default is all attributes).
  globalIndexes: {
    [dueIndex.name]: { hashKey: dueIndex.partitionKey, rangeKey: dueIndex.sortKey, projection: "keys-only" },
    [timelineIndex.name]: { hashKey: timelineIndex.partitionKey, rangeKey: timelineIndex.sortKey },
    [listIndex.name]: { hashKey: listIndex.partitionKey, rangeKey: listIndex.sortKey },
    [planIndex.name]: { hashKey: planIndex.partitionKey, rangeKey: planIndex.sortKey, projection: "keys-only" },
  },
  // New images of every write feed the AI cost and usage history rollups (stacks/rollups.ts).
  stream: "new-image",
  ttl: ttlAttribute,
  transform: {
    // PITR is SST's default too; stated so a reviewer sees it. Production also refuses DeleteTable.
    table: { pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: isProduction },
  },
});
