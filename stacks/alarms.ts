/**
 * Alarms, published to the Alerts topic (subscribe an e-mail or a pager to it, see docs/deploy.md and docs/events.md):
 * the sweeper failing in two of three consecutive 5-minute windows, any scheduled invocation
 * that exhausted its retries (a message in ScheduleFailures), and a catalog sync that held price
 * changes or refused the feed (the sync's CatalogSyncAnomalies metric, functions/sync-catalog.ts),
 * and for webhooks: an event whose fan-out failed 5 times (a message in WebhookEventsDead), events
 * waiting more than 15 minutes in WebhookEvents, and the delivery function failing.
 */
import { ANOMALY_METRIC, METRIC_NAMESPACE } from "../core/catalog/sync-metric";
import { closePeriods, scheduleFailures, syncCatalog } from "./schedules";
import { deliverWebhooks, webhookEvents, webhookEventsDead } from "./webhooks";

export const alerts = new sst.aws.SnsTopic("Alerts");

export const sweeperErrors = new aws.cloudwatch.MetricAlarm("ClosePeriodsErrors", {
  alarmDescription: "The period-close sweeper is failing: renewals and invoices are not being produced.",
  namespace: "AWS/Lambda",
  metricName: "Errors",
  dimensions: { FunctionName: closePeriods.name },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
  okActions: [alerts.arn],
});

export const scheduleFailuresWaiting = new aws.cloudwatch.MetricAlarm("ScheduleFailuresWaiting", {
  alarmDescription: "A scheduled job failed after all retries; its event is in the ScheduleFailures queue.",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: scheduleFailures.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
});

export const catalogAnomalies = new aws.cloudwatch.MetricAlarm("CatalogSyncAnomalies", {
  alarmDescription:
    "The catalog sync held suspicious AI model prices or refused the feed; the last good prices stay. " +
    "Read the sync's log line for the diff, then accept (npm run catalog:import -- --accept-price-changes) or pin.",
  namespace: METRIC_NAMESPACE,
  metricName: ANOMALY_METRIC,
  dimensions: { FunctionName: syncCatalog.name },
  statistic: "Maximum",
  // The sync runs daily; a six-hour window alarms once per anomalous run.
  period: 6 * 3600,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
});

export const webhookEventsDeadLetters = new aws.cloudwatch.MetricAlarm("WebhookEventsDeadLetters", {
  alarmDescription:
    "An event could not be fanned out to webhook endpoints after 5 tries; it is in the WebhookEventsDead queue (redrive it once the cause is fixed).",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: webhookEventsDead.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
});

export const webhookEventsBacklog = new aws.cloudwatch.MetricAlarm("WebhookEventsBacklog", {
  alarmDescription:
    "Business events have waited over 15 minutes for webhook fan-out: the delivery function is behind or failing.",
  namespace: "AWS/SQS",
  metricName: "ApproximateAgeOfOldestMessage",
  dimensions: { QueueName: webhookEvents.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 900,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
  okActions: [alerts.arn],
});

export const deliverWebhooksErrors = new aws.cloudwatch.MetricAlarm("DeliverWebhooksErrors", {
  alarmDescription: "The webhook delivery function is failing: retries are not being sent.",
  namespace: "AWS/Lambda",
  metricName: "Errors",
  dimensions: { FunctionName: deliverWebhooks.name },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
  okActions: [alerts.arn],
});
