/**
 * Alarms, published to the Alerts topic (subscribe an e-mail or a pager to it, see docs/deploy.md and docs/events.md):
 * the sweeper failing in two of three consecutive 5-minute windows, any scheduled invocation
 * that exhausted its retries (a message in ScheduleFailures), and a catalog sync that held price
 * changes or refused the feed (the sync's CatalogSyncAnomalies metric, functions/sync-catalog.ts).
 */
import { ANOMALY_METRIC, METRIC_NAMESPACE } from "../core/catalog/sync-metric";
import { closePeriods, scheduleFailures, syncCatalog } from "./schedules";

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
