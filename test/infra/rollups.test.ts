/**
 * The rollups' infrastructure (stacks/rollups.ts), evaluated offline: the table streams new
 * images; an aggregator function subscribed to it receives only INSERTs of usage events, is
 * retried and bisected on failure with what still fails sent to a queue that alarms, and may
 * write only the rollup partitions (never a wallet, an event or an invoice) and read the stream.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateConfig, refOf, type Evaluation } from "./sst-fakes";

let evaluation: Evaluation;
beforeAll(async () => {
  evaluation = await evaluateConfig("production");
});

const component = (kind: string, name: string) =>
  evaluation.components.find((c) => c.kind === kind && c.name === name)!;

describe("stacks/rollups.ts", () => {
  it("subscribes the aggregator to the table's stream, for new usage events only", () => {
    const table = component("sst.aws.Dynamo", "Table");
    expect(table.args.stream).toBe("new-image");
    const subscribe = table.calls.filter((c) => c.method === "subscribe");
    expect(subscribe.length).toBe(1);
    const [name, subscriber, args] = subscribe[0]!.args as [string, unknown, any];
    expect(name).toBe("RollupsSubscriber");
    expect(String(refOf(subscriber))).toBe("${Rollups.arn}");
    expect(args.filters).toEqual([{ eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["EVENT"] } } } }]);
    const mapping = args.transform.eventSourceMapping;
    expect(mapping).toMatchObject({ startingPosition: "TRIM_HORIZON", bisectBatchOnFunctionError: true });
    expect(mapping.maximumRetryAttempts).toBeGreaterThan(0);
    expect(String(refOf(mapping.destinationConfig.onFailure.destinationArn))).toBe("${RollupFailures.arn}");
  });

  it("lets the aggregator write only rollup partitions, read the stream, and record failures", () => {
    const fn = component("sst.aws.Function", "Rollups");
    expect(fn.args.handler).toBe("functions/rollups.handler");
    expect(String(refOf(fn.args.environment.BILLING_TABLE))).toBe("${Table.name}");
    expect(fn.args.link).toBeUndefined();
    const statements = fn.args.permissions as any[];
    const items = statements.find((s) => s.actions.includes("dynamodb:UpdateItem"));
    expect(items.conditions[0]).toEqual({
      test: "ForAllValues:StringLike",
      variable: "dynamodb:LeadingKeys",
      values: ["AICOST#*", "AICOST_APPLIED#*", "USAGE_HISTORY#*"],
    });
    expect(items.actions).not.toContain("dynamodb:GetItem");
    expect(items.actions).not.toContain("dynamodb:Query");
    const stream = statements.find((s) => s.actions.includes("dynamodb:GetRecords"));
    expect(stream.resources.map((r: unknown) => String(refOf(r)))).toEqual(["${Table.nodes.table.streamArn}"]);
    const alarm = component("aws.cloudwatch.MetricAlarm", "RollupFailuresWaiting").args;
    expect(String(refOf(alarm.dimensions.QueueName))).toBe("${RollupFailures.nodes.queue.name}");
    expect(alarm.alarmActions.map((a: unknown) => String(refOf(a)))).toEqual(["${Alerts.arn}"]);
    expect(component("sst.aws.Queue", "RollupFailures").args.transform.queue.messageRetentionSeconds).toBe(14 * 86_400);
  });
});
