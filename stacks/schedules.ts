/**
 * The two scheduled jobs. Each is a Function of its own, granted exactly what it uses
 * (stacks/permissions.ts), and a
 * Cron (EventBridge) that invokes it asynchronously. Lambda retries a failed async invocation
 * twice; what still fails lands in the ScheduleFailures queue (and raises an alarm, stacks/alarms.ts).
 * Both jobs are idempotent, so a retry or an overlapping run is harmless.
 */
import { bus } from "./bus";
import { closePeriodsPermissions, syncCatalogPermissions } from "./permissions";
import { clockMode, gracePeriodEnvironment, lambdaDefaults } from "./settings";
import { table } from "./table";

export const scheduleFailures = new sst.aws.Queue("ScheduleFailures", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

const sendFailures = { actions: ["sqs:SendMessage"], resources: [scheduleFailures.arn] };

/** Closes due billing periods; runs under the stage's clock (test stages follow advanceClock). */
export const closePeriods = new sst.aws.Function("ClosePeriods", {
  ...lambdaDefaults,
  handler: "functions/close-periods.handler",
  description: "Period-close sweeper",
  memory: "1024 MB",
  // The handler stops 10 s before the timeout; 4 minutes ends a run before the next one starts.
  timeout: "4 minutes",
  permissions: [...closePeriodsPermissions, sendFailures],
  environment: {
    BILLING_TABLE: table.name,
    BILLING_BUS: bus.name,
    BILLING_CLOCK: clockMode,
    ...gracePeriodEnvironment,
  },
});

/** Downloads the AI model catalog and upserts prices; needs internet egress (no VPC) and the catalog's items. */
export const syncCatalog = new sst.aws.Function("SyncCatalog", {
  ...lambdaDefaults,
  handler: "functions/sync-catalog.handler",
  description: "Daily AI model catalog sync",
  memory: "1024 MB",
  timeout: "2 minutes",
  permissions: [...syncCatalogPermissions, sendFailures],
  environment: { BILLING_TABLE: table.name },
});

export const closePeriodsCron = new sst.aws.Cron("ClosePeriodsCron", {
  schedule: "rate(5 minutes)",
  function: closePeriods.arn,
});

export const syncCatalogCron = new sst.aws.Cron("SyncCatalogCron", {
  schedule: "rate(1 day)",
  function: syncCatalog.arn,
});

for (const [name, fn] of [
  ["ClosePeriods", closePeriods],
  ["SyncCatalog", syncCatalog],
] as const) {
  new aws.lambda.FunctionEventInvokeConfig(`${name}Retries`, {
    functionName: fn.name,
    maximumRetryAttempts: 2,
    // A sweep older than an hour has been superseded by newer runs; a day-old sync by the next one.
    maximumEventAgeInSeconds: name === "ClosePeriods" ? 3600 : 6 * 3600,
    destinationConfig: { onFailure: { destination: scheduleFailures.arn } },
  });
}
