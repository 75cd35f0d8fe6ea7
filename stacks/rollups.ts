/**
 * The rollups behind `aiCostReport` and usage history: the table's stream (new images) feeds an
 * aggregator function through an event source mapping that passes only new usage events (a
 * filter on INSERTs of EVENT items, so wallet, invoice and rollup writes never invoke it). The
 * aggregator is idempotent per event (core/db/rollups.ts), so Lambda's retries are safe: a failing
 * batch is bisected and retried, and what still fails after that is recorded in RollupFailures
 * (with an alarm) instead of blocking its shard. Nothing on the track path changes: a track
 * writes its one transaction; the stream is DynamoDB's own.
 */
import { alerts } from "./alarms";
import { rollupsPermissions } from "./permissions";
import { lambdaDefaults } from "./settings";
import { table } from "./table";

export const rollupFailures = new sst.aws.Queue("RollupFailures", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const rollups = new sst.aws.Function("Rollups", {
  ...lambdaDefaults,
  handler: "functions/rollups.handler",
  description: "AI cost and usage history rollups from the table's stream",
  memory: "512 MB",
  timeout: "1 minute",
  permissions: [...rollupsPermissions, { actions: ["sqs:SendMessage"], resources: [rollupFailures.arn] }],
  environment: { BILLING_TABLE: table.name },
});

table.subscribe("RollupsSubscriber", rollups.arn, {
  filters: [{ eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["EVENT"] } } } }],
  transform: {
    eventSourceMapping: {
      startingPosition: "TRIM_HORIZON",
      batchSize: 500,
      maximumBatchingWindowInSeconds: 2,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
      destinationConfig: { onFailure: { destinationArn: rollupFailures.arn } },
    },
  },
});

export const rollupFailuresWaiting = new aws.cloudwatch.MetricAlarm("RollupFailuresWaiting", {
  alarmDescription:
    "Usage events could not be rolled up after all retries (their stream positions are in RollupFailures): the AI costs view and usage history miss them until they are replayed.",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: rollupFailures.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
});
