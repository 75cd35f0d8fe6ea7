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

/** What differs between the alarms; the rest is the same for all (see `alarm`). */
type AlarmArgs = Omit<
  aws.cloudwatch.MetricAlarmArgs,
  "comparisonOperator" | "treatMissingData" | "alarmActions" | "okActions"
> & {
  /** Also notify when it clears (for conditions that come and go). */
  okActions?: boolean;
};

/** An alarm to the Alerts topic at `threshold` or more; no data is no alarm (an idle function is fine). */
const alarm = (name: string, { okActions, ...args }: AlarmArgs) =>
  new aws.cloudwatch.MetricAlarm(name, {
    ...args,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [alerts.arn],
    ...(okActions ? { okActions: [alerts.arn] } : {}),
  });

/** A function failing in two of three consecutive 5-minute windows. */
const failing = (name: string, functionName: SstInput<string>, alarmDescription: string) =>
  alarm(name, {
    alarmDescription,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: functionName },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 1,
    okActions: true,
  });

/** A queue's metric over 5 minutes: messages waiting (a dead letter) or the oldest one's age. */
const queued = (
  name: string,
  queueName: SstInput<string>,
  metricName: "ApproximateNumberOfMessagesVisible" | "ApproximateAgeOfOldestMessage",
  threshold: number,
  alarmDescription: string,
  okActions = false,
) =>
  alarm(name, {
    alarmDescription,
    namespace: "AWS/SQS",
    metricName,
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold,
    okActions,
  });

export const sweeperErrors = failing(
  "ClosePeriodsErrors",
  closePeriods.name,
  "The period-close sweeper is failing: renewals and invoices are not being produced.",
);

export const scheduleFailuresWaiting = queued(
  "ScheduleFailuresWaiting",
  scheduleFailures.nodes.queue.name,
  "ApproximateNumberOfMessagesVisible",
  1,
  "A scheduled job failed after all retries; its event is in the ScheduleFailures queue.",
);

export const catalogAnomalies = alarm("CatalogSyncAnomalies", {
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
});

export const webhookEventsDeadLetters = queued(
  "WebhookEventsDeadLetters",
  webhookEventsDead.nodes.queue.name,
  "ApproximateNumberOfMessagesVisible",
  1,
  "An event could not be fanned out to webhook endpoints after 5 tries; it is in the WebhookEventsDead queue (redrive it once the cause is fixed).",
);

export const webhookEventsBacklog = queued(
  "WebhookEventsBacklog",
  webhookEvents.nodes.queue.name,
  "ApproximateAgeOfOldestMessage",
  900,
  "Business events have waited over 15 minutes for webhook fan-out: the delivery function is behind or failing.",
  true,
);

export const deliverWebhooksErrors = failing(
  "DeliverWebhooksErrors",
  deliverWebhooks.name,
  "The webhook delivery function is failing: retries are not being sent.",
);
