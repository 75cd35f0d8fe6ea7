/**
 * Webhook delivery (docs/webhooks.md): an EventBridge rule sends every business event of the bus
 * (source `billing`) to the WebhookEvents queue; the DeliverWebhooks function consumes it in
 * batches of 10 with partial batch failures (only a failed message comes back), fanning each event
 * out to the subscribed endpoints and sending the first attempts. A message that fails 5 times
 * (its fan-out, not an HTTP attempt: those are retried from the table) moves to the
 * WebhookEventsDead queue, which raises an alarm (stacks/alarms.ts). The same function runs every
 * minute to send the retries that are due (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
 *
 * The function reaches the internet (no VPC) and only webhook items of the table
 * (stacks/permissions.ts), and reads the SigningSecret that seals endpoint secrets.
 */
import { EVENT_SOURCE } from "../core/events/billing-event";
import { bus } from "./bus";
import { deliverWebhooksPermissions } from "./permissions";
import { webhookSecrets } from "./secrets";
import { clockMode, lambdaDefaults } from "./settings";
import { table } from "./table";

/** Receives after which a message goes to the dead-letter queue. */
export const MAX_RECEIVES = 5;

export const webhookEventsDead = new sst.aws.Queue("WebhookEventsDead", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const webhookEvents = new sst.aws.Queue("WebhookEvents", {
  // At least 6 times the function's timeout (AWS's advice for Lambda consumers): a retried
  // message comes back 6 minutes after the failed batch.
  visibilityTimeout: "6 minutes",
  dlq: { queue: webhookEventsDead.arn, retry: MAX_RECEIVES },
  transform: { queue: { messageRetentionSeconds: 4 * 24 * 3600 } },
});

export const deliverWebhooks = new sst.aws.Function("DeliverWebhooks", {
  ...lambdaDefaults,
  handler: "functions/deliver-webhooks.handler",
  description: "Webhook delivery",
  memory: "512 MB",
  timeout: "1 minute",
  link: webhookSecrets.link,
  permissions: [
    ...deliverWebhooksPermissions,
    // What Lambda's event source mapping does with the function's role.
    {
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      resources: [webhookEvents.arn],
    },
    ...webhookSecrets.permissions,
  ],
  environment: {
    BILLING_TABLE: table.name,
    BILLING_BUS: bus.name,
    BILLING_CLOCK: clockMode,
    ...webhookSecrets.environment,
  },
});

webhookEvents.subscribe(deliverWebhooks.arn, {
  batch: { size: 10, partialResponses: true },
  // At most 10 batches at once: a burst of events (a period close) must not flood receivers.
  transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: 10 } } },
});

export const webhookEventsRule = new aws.cloudwatch.EventRule("WebhookEventsRule", {
  description: "Every business event, to the webhook delivery queue",
  eventBusName: bus.name,
  eventPattern: JSON.stringify({ source: [EVENT_SOURCE] }),
});

new aws.cloudwatch.EventTarget("WebhookEventsTarget", {
  rule: webhookEventsRule.name,
  eventBusName: bus.name,
  arn: webhookEvents.arn,
});

/** EventBridge may send to the queue for this rule only. */
new aws.sqs.QueuePolicy("WebhookEventsPolicy", {
  queueUrl: webhookEvents.url,
  policy: $interpolate`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"${webhookEvents.arn}","Condition":{"ArnEquals":{"aws:SourceArn":"${webhookEventsRule.arn}"}}}]}`,
});

export const deliverWebhooksCron = new sst.aws.Cron("DeliverWebhooksCron", {
  schedule: "rate(1 minute)",
  function: deliverWebhooks.arn,
});

// A failed pass is superseded by the next one a minute later: no retry, no dead letter.
new aws.lambda.FunctionEventInvokeConfig("DeliverWebhooksRetries", {
  functionName: deliverWebhooks.name,
  maximumRetryAttempts: 0,
  maximumEventAgeInSeconds: 60,
});
