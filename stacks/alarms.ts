/**
 * Alarms, published to the Alerts topic (subscribe an e-mail or a pager to it, see docs/deploy.md and docs/events.md):
 * the sweeper failing in two of three consecutive 5-minute windows, and any scheduled invocation
 * that exhausted its retries (a message in ScheduleFailures).
 */
import { closePeriods, scheduleFailures } from "./schedules";

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
