/**
 * Each function's IAM grants, explicit and item-level. SST's links would grant `dynamodb:*` on the
 * table (DeleteTable, UpdateTable, RestoreTableFromBackup ...) and `events:*` on the bus
 * (PutPermission ...) to every linked function (its Dynamo and Bus components' getSSTLink), so
 * the table and the bus are not linked: their names travel as environment variables and these
 * statements are the whole grant (test/infra/stacks.test.ts evaluates the policy documents).
 *
 * Transactions have no IAM action of their own: TransactWriteItems is authorised per item by
 * PutItem / UpdateItem / DeleteItem and ConditionCheckItem (AWS, "Using IAM with DynamoDB
 * transactions"). The catalog sync parses a third-party feed, so it may touch only the catalog's
 * partition (`dynamodb:LeadingKeys`), never a wallet, key or invoice.
 */
import { keys, TABLE } from "../core/db/keys";
import { bus } from "./bus";
import { table } from "./table";

type Statement = NonNullable<sst.aws.FunctionArgs["permissions"]>[number];

const READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
const WRITE = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

const items: Statement = { actions: [...READ, ...WRITE], resources: [table.arn] };
/** Queries through the GSIs (due index, timelines); an index holds no item to write. */
const indexes: Statement = { actions: ["dynamodb:Query"], resources: [$interpolate`${table.arn}/index/*`] };
const publish: Statement = { actions: ["events:PutEvents"], resources: [bus.arn] };

/** The API: every item of the table, its indexes, and publishing business events. */
export const graphqlPermissions: Statement[] = [items, indexes, publish];

/** The sweeper closes periods (wallets, invoices, outbox) and publishes their events. */
export const closePeriodsPermissions: Statement[] = [items, indexes, publish];

/** The catalog sync: read and write items of the AI_MODELS partition only. */
export const syncCatalogPermissions: Statement[] = [
  {
    actions: [...READ, "dynamodb:PutItem", "dynamodb:BatchWriteItem"],
    resources: [table.arn],
    conditions: [
      { test: "ForAllValues:StringEquals", variable: "dynamodb:LeadingKeys", values: [keys.aiModelPartition()] },
      // ForAllValues holds for a request without the key at all; require it to be there.
      { test: "Null", variable: "dynamodb:LeadingKeys", values: ["false"] },
    ],
  },
];

/**
 * The webhook delivery function parses responses from URLs its callers chose, so it may touch
 * only what delivering needs: endpoints, deliveries and their attempts, the outbox items of its
 * own events (webhook_endpoint.disabled) and the stored test clock; never a wallet, key or invoice.
 * Its index reads are the webhook due index (gsi1, keys only).
 */
export const deliverWebhooksPermissions: Statement[] = [
  {
    actions: [...READ, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"],
    resources: [table.arn],
    conditions: [
      {
        test: "ForAllValues:StringLike",
        variable: "dynamodb:LeadingKeys",
        values: [
          keys.webhookEndpointPartition(),
          keys.webhookDeliveryPartition("*"),
          keys.outbox("*").pk,
          keys.clock().pk,
        ],
      },
      { test: "Null", variable: "dynamodb:LeadingKeys", values: ["false"] },
    ],
  },
  { actions: ["dynamodb:Query"], resources: [$interpolate`${table.arn}/index/${TABLE.dueIndex.name}`] },
  publish,
];

/**
 * The rollup aggregator (functions/rollups.ts): its transactions put `applied` markers and add to
 * rollup cells, in those partitions only (`dynamodb:LeadingKeys`); it reads no item. Its event
 * source mapping reads the table's stream with the function's role (an existing function is
 * subscribed by ARN, so SST adds nothing to its role): the stream's read actions, on that stream.
 */
export const rollupsPermissions: Statement[] = [
  {
    // TransactWriteItems authorises each item by its action; only Put and Update are sent.
    actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"],
    resources: [table.arn],
    conditions: [
      {
        test: "ForAllValues:StringLike",
        variable: "dynamodb:LeadingKeys",
        values: ["AICOST#*", "AICOST_APPLIED#*", "USAGE_HISTORY#*"],
      },
      { test: "Null", variable: "dynamodb:LeadingKeys", values: ["false"] },
    ],
  },
  {
    actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
    resources: [table.nodes.table.streamArn],
  },
];
