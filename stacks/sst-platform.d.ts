/**
 * The part of SST v4's platform globals that sst.config.ts and stacks/* use, declared by hand.
 *
 * SST defines these globals when it evaluates sst.config.ts, and `npx sst install` (which needs
 * network access) writes their complete types to .sst/platform/config.d.ts. The repo must
 * type-check without that download, so this file lists only the components, arguments and
 * properties the stacks use, spelled as SST's component docs and sources spell them
 * (sst.dev/docs/component/aws/*). Anything missing is missing on purpose: add it when a stack
 * needs it, after checking the docs. Transforms take a Partial of the underlying Pulumi
 * resource's args; only the fields we set are declared.
 */
export {};

declare global {
  /** Pulumi's Output<T>: a value known once the resource exists. */
  interface SstOutput<T> {
    apply<U>(fn: (value: T) => U): SstOutput<U>;
  }
  type SstInput<T> = T | Promise<T> | SstOutput<T>;
  type SstDuration = `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours" | "day" | "days"}`;
  type SstSize = `${number} ${"MB" | "GB"}`;
  type SstLogRetention =
    | "1 day"
    | "3 days"
    | "5 days"
    | "1 week"
    | "2 weeks"
    | "1 month"
    | "2 months"
    | "3 months"
    | "6 months"
    | "1 year"
    | "2 years"
    | "5 years"
    | "10 years"
    | "forever";
  /** What `link` accepts here: the components the handlers read through `Resource.<Name>` (only secrets). */
  type SstLinkable = sst.Secret;

  interface SstAppInput {
    stage?: string;
  }
  interface SstApp {
    name: string;
    home: "aws" | "cloudflare" | "local";
    removal?: "remove" | "retain" | "retain-all";
    protect?: boolean;
  }
  interface SstConfig {
    app(input: SstAppInput): SstApp;
    run(): Promise<Record<string, SstInput<string>> | void>;
  }

  function $config(config: SstConfig): SstConfig;
  const $app: { readonly name: string; readonly stage: string };
  function $interpolate(literals: TemplateStringsArray, ...values: SstInput<unknown>[]): SstOutput<string>;

  namespace sst {
    class Secret {
      constructor(name: string, placeholder?: SstInput<string>);
    }

    namespace aws {
      interface DynamoArgs {
        fields: Record<string, "string" | "number" | "binary">;
        primaryIndex: { hashKey: string; rangeKey?: string };
        globalIndexes?: Record<
          string,
          { hashKey: string; rangeKey?: string; projection?: "all" | "keys-only" | string[] }
        >;
        ttl?: string;
        /** The table's DynamoDB stream: which images each record carries. */
        stream?: "keys-only" | "new-image" | "old-image" | "new-and-old-images";
        transform?: {
          table?: { pointInTimeRecovery?: { enabled: boolean }; deletionProtectionEnabled?: boolean };
        };
      }
      interface DynamoSubscriberArgs {
        /** Lambda event filters: only matching records invoke the subscriber. */
        filters?: Record<string, unknown>[];
        transform?: {
          eventSourceMapping?: {
            startingPosition?: "LATEST" | "TRIM_HORIZON";
            batchSize?: number;
            maximumBatchingWindowInSeconds?: number;
            maximumRetryAttempts?: number;
            bisectBatchOnFunctionError?: boolean;
            functionResponseTypes?: "ReportBatchItemFailures"[];
            destinationConfig?: { onFailure?: { destinationArn: SstInput<string> } };
          };
        };
      }
      class Dynamo {
        constructor(name: string, args: DynamoArgs);
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
        /** The stream's ARN (set when `stream` is). */
        readonly nodes: { table: { streamArn: SstOutput<string> } };
        /** Invokes the subscriber (a handler path, FunctionArgs or an ARN) with batches of stream records. */
        subscribe(name: string, subscriber: SstInput<string> | FunctionArgs, args?: DynamoSubscriberArgs): unknown;
      }

      interface FunctionArgs {
        handler: string;
        description?: string;
        runtime?: "nodejs20.x" | "nodejs22.x" | "nodejs24.x";
        architecture?: "x86_64" | "arm64";
        memory?: SstSize;
        timeout?: SstDuration;
        environment?: Record<string, SstInput<string>>;
        link?: SstLinkable[];
        /** IAM statements of the function's role, beside what its links include (SST's FunctionPermissionArgs). */
        permissions?: {
          effect?: "allow" | "deny";
          actions: string[];
          resources: SstInput<string>[];
          conditions?: { test: string; variable: string; values: string[] }[];
        }[];
        /** `reserved`: the function's reserved concurrent executions (Lambda's reservedConcurrentExecutions). */
        concurrency?: { reserved?: number; provisioned?: number };
        logging?: false | { retention?: SstLogRetention; format?: "text" | "json" };
        nodejs?: {
          format?: "esm" | "cjs";
          minify?: boolean;
          /** Dynamically imported modules in chunks of their own, shared code in shared chunks. */
          splitting?: boolean;
          /** SST ≥ 4 passes these to esbuild; keepNames defaults to true there. */
          esbuild?: { external?: string[]; keepNames?: boolean };
          /** A module (relative to the project root) whose default export is a list of esbuild plugins. */
          plugins?: string;
        };
        /** Files or folders copied into the function's package; `to` is relative to its root (default: `from`). */
        copyFiles?: { from: string; to?: string }[];
      }
      class Function {
        constructor(name: string, args: FunctionArgs);
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
      }

      interface ApiGatewayV2Args {
        cors?: boolean;
        accessLog?: { retention?: SstLogRetention };
        transform?: {
          stage?: { defaultRouteSettings?: { throttlingRateLimit?: number; throttlingBurstLimit?: number } };
        };
      }
      class ApiGatewayV2 {
        constructor(name: string, args?: ApiGatewayV2Args);
        readonly url: SstOutput<string>;
        /** `handler` is a handler path, FunctionArgs, or the ARN of an existing function. */
        route(route: string, handler: SstInput<string> | FunctionArgs): unknown;
      }

      interface CronArgs {
        /** `rate(...)` or `cron(...)`, as EventBridge takes them. */
        schedule: `rate(${string})` | `cron(${string})`;
        /** A handler path, FunctionArgs, or the ARN of an existing function. */
        function: SstInput<string> | FunctionArgs;
      }
      class Cron {
        constructor(name: string, args: CronArgs);
      }

      class Bus {
        constructor(name: string);
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
      }

      interface QueueArgs {
        /** 0 seconds to 12 hours; default 30 seconds. */
        visibilityTimeout?: SstDuration;
        /** A dead-letter queue's ARN, or it and the receives before a message moves there (default 3). */
        dlq?: SstInput<string> | { queue: SstInput<string>; retry: number };
        transform?: { queue?: { messageRetentionSeconds?: number } };
      }
      interface QueueSubscriberArgs {
        /** Default `{ size: 10, window: "20 seconds", partialResponses: false }`. */
        batch?: { size?: number; window?: SstDuration; partialResponses?: boolean };
        transform?: { eventSourceMapping?: { scalingConfig?: { maximumConcurrency?: number } } };
      }
      class Queue {
        constructor(name: string, args?: QueueArgs);
        readonly arn: SstOutput<string>;
        readonly url: SstOutput<string>;
        readonly nodes: { queue: { name: SstOutput<string> } };
        /** One subscriber per queue: a handler, FunctionArgs, or an existing function's ARN (whose role must be granted the sqs actions). */
        subscribe(subscriber: SstInput<string> | FunctionArgs, args?: QueueSubscriberArgs): unknown;
      }

      class SnsTopic {
        constructor(name: string);
        readonly arn: SstOutput<string>;
      }
    }
  }

  /** The Pulumi AWS provider, for what SST has no component for. */
  namespace aws {
    namespace cloudwatch {
      interface MetricAlarmArgs {
        alarmDescription?: string;
        namespace: string;
        metricName: string;
        dimensions: Record<string, SstInput<string>>;
        statistic: "Sum" | "Maximum" | "Average";
        period: number;
        evaluationPeriods: number;
        datapointsToAlarm?: number;
        threshold: number;
        comparisonOperator: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold";
        treatMissingData?: "notBreaching" | "breaching" | "missing" | "ignore";
        alarmActions?: SstInput<string>[];
        okActions?: SstInput<string>[];
      }
      class MetricAlarm {
        constructor(name: string, args: MetricAlarmArgs);
      }
      interface EventRuleArgs {
        description?: string;
        eventBusName?: SstInput<string>;
        /** JSON text of an EventBridge event pattern. */
        eventPattern?: SstInput<string>;
      }
      class EventRule {
        constructor(name: string, args: EventRuleArgs);
        readonly arn: SstOutput<string>;
        readonly name: SstOutput<string>;
      }
      interface EventTargetArgs {
        rule: SstInput<string>;
        eventBusName?: SstInput<string>;
        arn: SstInput<string>;
      }
      class EventTarget {
        constructor(name: string, args: EventTargetArgs);
      }
    }
    namespace sqs {
      interface QueuePolicyArgs {
        queueUrl: SstInput<string>;
        /** JSON text of the queue's resource policy. */
        policy: SstInput<string>;
      }
      class QueuePolicy {
        constructor(name: string, args: QueuePolicyArgs);
      }
    }
    namespace lambda {
      interface FunctionEventInvokeConfigArgs {
        functionName: SstInput<string>;
        maximumRetryAttempts?: number;
        maximumEventAgeInSeconds?: number;
        destinationConfig?: { onFailure?: { destination: SstInput<string> } };
      }
      class FunctionEventInvokeConfig {
        constructor(name: string, args: FunctionEventInvokeConfigArgs);
      }
    }
  }
}
