/**
 * What a reviewer checks in the infrastructure, evaluated offline: sst.config.ts and stacks/* run
 * against recording fakes of SST's globals (test/infra/sst-fakes.ts), once per kind of stage.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { TABLE } from "../../core/db/keys";
import { tableDefinition } from "../../core/db/table";
import { BUNDLE_EXTERNAL, FUNCTION_ENTRIES } from "../../scripts/build-functions";
import { evaluateConfig, recordOf, refOf, type Evaluation, type Recorded } from "./sst-fakes";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** What each function may reach: exactly the links its code reads through Resource.<Name>. */
const EXPECTED_LINKS: Record<string, string[]> = {
  Graphql: ["Table", "Bus", "ApiKey", "SigningSecret"],
  ClosePeriods: ["Table", "Bus"],
  SyncCatalog: ["Table"],
};

/** An EventBridge schedule expression: rate(value unit) with a singular unit for 1, or a 6-field cron. */
function isValidSchedule(expression: string): boolean {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    return value > 0 && (value === 1) === !rate[2]!.endsWith("s");
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) return false;
  const fields = cron[1]!.split(" ");
  // Exactly one of day-of-month and day-of-week must be "?".
  return fields.length === 6 && (fields[2] === "?") !== (fields[4] === "?");
}

describe("schedule expression check", () => {
  it("accepts what EventBridge accepts and refuses near misses", () => {
    for (const ok of ["rate(5 minutes)", "rate(1 day)", "rate(1 minute)", "cron(0 4 * * ? *)"])
      expect(isValidSchedule(ok)).toBe(true);
    for (const bad of [
      "rate(1 minutes)",
      "rate(5 minute)",
      "rate(0 days)",
      "cron(0 4 * * *)",
      "cron(0 4 * * * *)",
      "every 5 minutes",
    ])
      expect(isValidSchedule(bad)).toBe(false);
  });
});

describe("sst.config.ts", () => {
  it("imports nothing at the top and only stacks/* inside run()", () => {
    const source = read("sst.config.ts");
    expect(source).not.toMatch(/^import /m);
    const imported = [...source.matchAll(/await import\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    for (const path of imported) expect(path).toMatch(/^\.\/stacks\/[a-z-]+$/);
  });
});

describe.each(["production", "dev"])("stage %s", (stage) => {
  const production = stage === "production";
  let evaluation: Evaluation;
  const all = (kind: string) => evaluation.components.filter((c) => c.kind === kind);
  const one = (kind: string, name: string): Recorded => {
    const found = all(kind).filter((c) => c.name === name);
    expect(found, `${kind} ${name}`).toHaveLength(1);
    return found[0]!;
  };
  const functions = () => all("sst.aws.Function");

  beforeAll(async () => {
    evaluation = await evaluateConfig(stage);
  });

  it("retains and protects data in production only", () => {
    expect(evaluation.app).toMatchObject({ name: "ai-billing", home: "aws" });
    expect(evaluation.app.removal).toBe(production ? "retain" : "remove");
    expect(evaluation.app.protect).toBe(production);
    expect(one("sst.aws.Dynamo", "Table").args.transform.table.deletionProtectionEnabled).toBe(production);
  });

  it("declares exactly the reviewed resources", () => {
    const declared = evaluation.components.map((c) => `${c.kind} ${c.name}`).sort();
    expect(declared).toEqual(
      [
        "sst.aws.Dynamo Table",
        "sst.aws.Bus Bus",
        "sst.Secret ApiKey",
        "sst.Secret SigningSecret",
        "sst.aws.Function Graphql",
        "sst.aws.ApiGatewayV2 Api",
        "sst.aws.Queue ScheduleFailures",
        "sst.aws.Function ClosePeriods",
        "sst.aws.Function SyncCatalog",
        "sst.aws.Cron ClosePeriodsCron",
        "sst.aws.Cron SyncCatalogCron",
        "aws.lambda.FunctionEventInvokeConfig ClosePeriodsRetries",
        "aws.lambda.FunctionEventInvokeConfig SyncCatalogRetries",
        "sst.aws.SnsTopic Alerts",
        "aws.cloudwatch.MetricAlarm ClosePeriodsErrors",
        "aws.cloudwatch.MetricAlarm ScheduleFailuresWaiting",
      ].sort(),
    );
  });

  it("declares the table core/db/keys.ts describes and DynamoDB Local creates", () => {
    const { args } = one("sst.aws.Dynamo", "Table");
    const local = tableDefinition("any");
    const types = { S: "string", N: "number", B: "binary" } as const;
    expect(args.fields).toEqual(
      Object.fromEntries(local.AttributeDefinitions!.map((a) => [a.AttributeName, types[a.AttributeType!]])),
    );
    const keyOf = (schema: { AttributeName?: string; KeyType?: string }[]) => ({
      hashKey: schema.find((k) => k.KeyType === "HASH")!.AttributeName,
      rangeKey: schema.find((k) => k.KeyType === "RANGE")?.AttributeName,
    });
    expect(args.primaryIndex).toEqual({ hashKey: TABLE.partitionKey, rangeKey: TABLE.sortKey });
    expect(args.primaryIndex).toEqual(keyOf(local.KeySchema!));
    expect(args.globalIndexes).toEqual({
      [TABLE.dueIndex.name]: {
        hashKey: TABLE.dueIndex.partitionKey,
        rangeKey: TABLE.dueIndex.sortKey,
        projection: "keys-only",
      },
      [TABLE.timelineIndex.name]: { hashKey: TABLE.timelineIndex.partitionKey, rangeKey: TABLE.timelineIndex.sortKey },
    });
    const sstProjection = { ALL: undefined, KEYS_ONLY: "keys-only" } as const;
    for (const gsi of local.GlobalSecondaryIndexes!) {
      const { projection, ...keys } = args.globalIndexes[gsi.IndexName!];
      expect(keys).toEqual(keyOf(gsi.KeySchema!));
      // The same projection on AWS as on DynamoDB Local (SST's default, undefined, is ALL).
      expect(projection).toBe(sstProjection[gsi.Projection!.ProjectionType as "ALL" | "KEYS_ONLY"]);
    }
    expect(local.GlobalSecondaryIndexes!.map((g) => g.Projection?.ProjectionType)).toEqual(["KEYS_ONLY", "ALL"]);
    expect(args.ttl).toBe(TABLE.ttlAttribute);
    expect(read("core/db/table.ts")).toContain("AttributeName: TABLE.ttlAttribute, Enabled: true");
    expect(args.transform.table.pointInTimeRecovery).toEqual({ enabled: true });
  });

  it("points every handler at an entry point that exports it, and builds the same set", () => {
    const entries = functions().map((f) => {
      const match = /^(functions\/[a-z-]+)\.([A-Za-z]+)$/.exec(f.args.handler);
      expect(match, f.args.handler).not.toBeNull();
      const [, file, exported] = match!;
      expect(existsSync(new URL(`../../${file}.ts`, import.meta.url)), `${file}.ts`).toBe(true);
      expect(read(`${file}.ts`)).toMatch(
        new RegExp(`^export (async function ${exported}\\b|const ${exported}\\b)`, "m"),
      );
      return `${file}.ts`;
    });
    expect(entries.sort()).toEqual(FUNCTION_ENTRIES.map((e) => e.entry).sort());
  });

  it("links each function to exactly the resources its code reads, with no other IAM grant", () => {
    const readByConfig = [...read("functions/config.ts").matchAll(/as Linked\)\.(\w+)\.\w+/g)].map((m) => m[1]);
    expect(new Set(readByConfig)).toEqual(new Set(["Table", "ApiKey", "SigningSecret", "Bus"]));
    for (const fn of functions()) {
      const links = (fn.args.link as unknown[]).map((l) => recordOf(l)?.name);
      expect(links, fn.name).toEqual(EXPECTED_LINKS[fn.name]);
      for (const name of links) expect(readByConfig).toContain(name);
      expect(fn.args.role).toBeUndefined();
      expect(fn.args.policies).toBeUndefined();
      for (const permission of fn.args.permissions ?? []) {
        expect(permission.actions).toEqual(["sqs:SendMessage"]);
        expect(permission.resources.map((r: unknown) => String(refOf(r)))).toEqual(["${ScheduleFailures.arn}"]);
      }
    }
  });

  it("runs every function on Node 22 arm64, bundled as minified ESM like scripts/build-functions.ts", () => {
    for (const fn of functions()) {
      expect(fn.args).toMatchObject({
        runtime: "nodejs22.x",
        architecture: "arm64",
        nodejs: { format: "esm", minify: true },
      });
      expect(fn.args.nodejs.esbuild?.external ?? []).toEqual(BUNDLE_EXTERNAL);
      expect(fn.args.memory).toMatch(/^\d+ MB$/);
      expect(fn.args.logging.retention).toBe(production ? "3 months" : "1 week");
    }
  });

  it("runs the real clock in production and the test clock elsewhere", () => {
    const clock = production ? "real" : "test";
    expect(one("sst.aws.Function", "Graphql").args.environment).toEqual({ BILLING_CLOCK: clock });
    expect(one("sst.aws.Function", "ClosePeriods").args.environment).toEqual({ BILLING_CLOCK: clock });
    expect(one("sst.aws.Function", "SyncCatalog").args.environment).toBeUndefined();
  });

  it("serves POST, GET and OPTIONS (CORS preflight) /graphql from the GraphQL function, throttled, with access logs", () => {
    const api = one("sst.aws.ApiGatewayV2", "Api");
    const routes = api.calls.filter((c) => c.method === "route").map((c) => [c.args[0], String(refOf(c.args[1]))]);
    expect(routes).toEqual([
      ["POST /graphql", "${Graphql.arn}"],
      ["GET /graphql", "${Graphql.arn}"],
      ["OPTIONS /graphql", "${Graphql.arn}"],
    ]);
    expect(api.args.cors).toBe(false);
    expect(api.args.accessLog.retention).toBe(production ? "3 months" : "1 week");
    const { throttlingRateLimit, throttlingBurstLimit } = api.args.transform.stage.defaultRouteSettings;
    expect(throttlingRateLimit).toBeGreaterThan(0);
    expect(throttlingBurstLimit).toBeGreaterThanOrEqual(throttlingRateLimit);
    if (production) expect(throttlingRateLimit).toBeGreaterThanOrEqual(1_000);
    // API Gateway HTTP APIs time out at 30 s: the function must answer before that.
    expect(one("sst.aws.Function", "Graphql").args.timeout).toBe("29 seconds");
  });

  it("schedules the sweeper every 5 minutes and the catalog sync daily, with valid expressions", () => {
    const crons = Object.fromEntries(all("sst.aws.Cron").map((c) => [String(refOf(c.args.function)), c.args.schedule]));
    expect(crons).toEqual({ "${ClosePeriods.arn}": "rate(5 minutes)", "${SyncCatalog.arn}": "rate(1 day)" });
    for (const schedule of Object.values(crons)) expect(isValidSchedule(schedule)).toBe(true);
    // A sweep must end before the next one starts.
    expect(one("sst.aws.Function", "ClosePeriods").args.timeout).toBe("4 minutes");
  });

  it("retries each scheduled function and sends what still fails to a dead-letter queue", () => {
    for (const name of ["ClosePeriods", "SyncCatalog"]) {
      const { args } = one("aws.lambda.FunctionEventInvokeConfig", `${name}Retries`);
      expect(String(refOf(args.functionName))).toBe(`\${${name}.name}`);
      expect(args.maximumRetryAttempts).toBe(2);
      expect(args.maximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(String(refOf(args.destinationConfig.onFailure.destination))).toBe("${ScheduleFailures.arn}");
      // Lambda delivers to the destination with the function's own role.
      const permissions = one("sst.aws.Function", name).args.permissions;
      expect(permissions.map((p: any) => [p.actions, String(refOf(p.resources[0]))])).toEqual([
        [["sqs:SendMessage"], "${ScheduleFailures.arn}"],
      ]);
    }
    expect(one("sst.aws.Queue", "ScheduleFailures").args.transform.queue.messageRetentionSeconds).toBe(14 * 24 * 3600);
  });

  it("alarms to the Alerts topic when the sweeper fails or a scheduled run is dead-lettered", () => {
    const sweeper = one("aws.cloudwatch.MetricAlarm", "ClosePeriodsErrors").args;
    expect(sweeper).toMatchObject({ namespace: "AWS/Lambda", metricName: "Errors", statistic: "Sum", threshold: 1 });
    expect(String(refOf(sweeper.dimensions.FunctionName))).toBe("${ClosePeriods.name}");
    expect(sweeper.alarmActions.map((a: unknown) => String(refOf(a)))).toEqual(["${Alerts.arn}"]);
    const dlq = one("aws.cloudwatch.MetricAlarm", "ScheduleFailuresWaiting").args;
    expect(dlq).toMatchObject({ namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", threshold: 1 });
    expect(String(refOf(dlq.dimensions.QueueName))).toBe("${ScheduleFailures.nodes.queue.name}");
    expect(dlq.alarmActions.map((a: unknown) => String(refOf(a)))).toEqual(["${Alerts.arn}"]);
  });

  it("outputs the GraphQL URL, the table name and the bus name", () => {
    expect(evaluation.outputs).toEqual({
      graphql: "${Api.url}/graphql",
      table: expect.anything(),
      bus: expect.anything(),
    });
    expect(String(refOf(evaluation.outputs.table))).toBe("${Table.name}");
    expect(String(refOf(evaluation.outputs.bus))).toBe("${Bus.name}");
  });
});
