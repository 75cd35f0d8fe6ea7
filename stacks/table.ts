/**
 * The single DynamoDB table: on demand, point-in-time recovery, TTL on the events' expiry, and the
 * GSIs the code queries. Every name comes from core/db/keys.ts, the module that builds the
 * keys, so the table and the code cannot drift.
 */
import { TABLE } from "../core/db/keys";
import { isProduction } from "./settings";

const { partitionKey, sortKey, ttlAttribute, dueIndex, timelineIndex, planIndex } = TABLE;

export const table = new sst.aws.Dynamo("Table", {
  fields: {
    [partitionKey]: "string",
    [sortKey]: "string",
    [dueIndex.partitionKey]: "string",
    [dueIndex.sortKey]: "string",
    [timelineIndex.partitionKey]: "string",
    [timelineIndex.sortKey]: "string",
    [planIndex.partitionKey]: "string",
    [planIndex.sortKey]: "string",
  },
  primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
  // Projections as core/db/table.ts gives them to DynamoDB Local (SST's default is all attributes).
  globalIndexes: {
    [dueIndex.name]: { hashKey: dueIndex.partitionKey, rangeKey: dueIndex.sortKey, projection: "keys-only" },
    [timelineIndex.name]: { hashKey: timelineIndex.partitionKey, rangeKey: timelineIndex.sortKey },
    [planIndex.name]: { hashKey: planIndex.partitionKey, rangeKey: planIndex.sortKey, projection: "keys-only" },
  },
  ttl: ttlAttribute,
  transform: {
    // PITR is SST's default too; stated so a reviewer sees it. Production also refuses DeleteTable.
    table: { pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: isProduction },
  },
});
