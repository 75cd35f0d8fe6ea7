/**
 * What a reviewer checks in the infrastructure, evaluated offline: sst.config.ts and stacks/* run
 * against recording fakes of SST's globals (test/infra/sst-fakes.ts), once per kind of stage.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ANOMALY_METRIC, METRIC_NAMESPACE } from "../../core/catalog/sync-metric";
import { keys, TABLE } from "../../core/db/keys";
import { tableDefinition } from "../../core/db/table";
import { build } from "esbuild";
import {
  BUNDLE_EXTERNAL,
  BUNDLE_PLUGINS_FILE,
  esbuildOptions,
  FUNCTION_ENTRIES,
  KEEP_NAMES,
} from "../../scripts/build-functions";
import { evaluateConfig, recordOf, refOf, type Evaluation, type Recorded } from "./sst-fakes";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** What each function links: only the secrets its code reads through Resource.<Name>. */
const EXPECTED_LINKS: Record<string, string[]> = {
  Graphql: ["ApiKey", "SigningSecret"],
  ClosePeriods: [],
  SyncCatalog: [],
  DeliverWebhooks: ["SigningSecret"],
  Web: [],
  Rollups: [],
};

const TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/ai-billing-stage-TableTable";
const BUS_ARN = "arn:aws:events:eu-west-1:123456789012:event-bus/ai-billing-stage-BusBus";
const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:ai-billing-stage-ScheduleFailuresQueue";
const WEBHOOK_QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:ai-billing-stage-WebhookEventsQueue";
/** Deployed values of the recorded references in the stacks' permissions. */
const ARNS: Record<string, string> = {
  "${Table.arn}": TABLE_ARN,
  "${Bus.arn}": BUS_ARN,
  "${ScheduleFailures.arn}": QUEUE_ARN,
  "${WebhookEvents.arn}": WEBHOOK_QUEUE_ARN,
};
/** A webhook item's partition key, the only kind the delivery function may touch. */
const WEBHOOK_ITEM = { "dynamodb:LeadingKeys": ["WEBHOOK_DELIVERY#wd_0123456789abcdef01234567"] };

/**
 * What a link adds to the role, as SST's components declare it (getSSTLink's `include`): Dynamo
 * `dynamodb:*` on the table and its indexes, Bus `events:*` on the bus, Secret nothing.
 */
const LINK_GRANTS: Record<string, (name: string) => { actions: string[]; resources: string[] }[]> = {
  "sst.aws.Dynamo": (name) => [{ actions: ["dynamodb:*"], resources: [`\${${name}.arn}`, `\${${name}.arn}/*`] }],
  "sst.aws.Bus": (name) => [{ actions: ["events:*"], resources: [`\${${name}.arn}`] }],
  "sst.Secret": () => [],
};

type PolicyStatement = {
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
};
type PolicyDocument = { Version: string; Statement: PolicyStatement[] };

/** The role policy SST builds for a function (createRole: permissions, then link includes), as IAM JSON. */
function policyOf(fn: Recorded): PolicyDocument {
  const linked = ((fn.args.link ?? []) as unknown[]).flatMap((l) => {
    const record = recordOf(l)!;
    return LINK_GRANTS[record.kind]!(record.name);
  });
  const statements = [...(fn.args.permissions ?? []), ...linked].map((p: any): PolicyStatement => {
    const resources = (p.resources as unknown[]).map((r) => {
      const text = String(refOf(r) ?? r);
      return text.replace(/\$\{\w+\.arn\}/, (ref) => ARNS[ref] ?? ref);
    });
    const statement: PolicyStatement = {
      Effect: p.effect === "deny" ? "Deny" : "Allow",
      Action: p.actions,
      Resource: resources,
    };
    if (p.conditions?.length) {
      const conditions: Record<string, Record<string, string[]>> = {};
      for (const c of p.conditions) conditions[c.test] = { ...conditions[c.test], [c.variable]: c.values };
      statement.Condition = conditions;
    }
    return statement;
  });
  return { Version: "2012-10-17", Statement: statements };
}

const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);

/** IAM's decision for one request: an explicit Deny wins, else any matching Allow, else deny. */
function allows(policy: PolicyDocument, action: string, resource: string, context: Record<string, string[]>): boolean {
  const matching = policy.Statement.filter(
    (s) =>
      s.Action.some((a) => glob(a, action)) &&
      s.Resource.some((r) => glob(r, resource)) &&
      Object.entries(s.Condition ?? {}).every(([test, variables]) =>
        Object.entries(variables).every(([variable, values]) => {
          const present = context[variable];
          if (test === "Null") return values[0] === String(present === undefined);
          if (test === "ForAllValues:StringEquals") return (present ?? []).every((v) => values.includes(v));
          if (test === "ForAllValues:StringLike")
            return (present ?? []).every((v) => values.some((pattern) => glob(pattern, v)));
          throw new Error(`condition ${test} not modelled`);
        }),
      ),
  );
  return matching.length > 0 && matching.every((s) => s.Effect === "Allow");
}

/** The IAM actions of the AWS SDK commands in an entry point's own code (the project files esbuild bundles). */
const COMMAND_ACTIONS: Record<string, string[]> = {
  GetCommand: ["dynamodb:GetItem"],
  BatchGetCommand: ["dynamodb:BatchGetItem"],
  QueryCommand: ["dynamodb:Query"],
  PutCommand: ["dynamodb:PutItem"],
  UpdateCommand: ["dynamodb:UpdateItem"],
  DeleteCommand: ["dynamodb:DeleteItem"],
  BatchWriteCommand: ["dynamodb:BatchWriteItem"],
  // No IAM action of its own: each item needs its action (AWS, "Using IAM with DynamoDB transactions").
  TransactWriteCommand: [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
  ],
  PutEventsCommand: ["events:PutEvents"],
  // Read only when the stage keeps its secrets in SSM; checked by the "ssm secrets" test.
  GetParametersCommand: [],
};

async function actionsInBundle(entry: string): Promise<string[]> {
  const root = new URL("../../", import.meta.url);
  const result = await build({
    ...esbuildOptions,
    absWorkingDir: root.pathname,
    entryPoints: [entry],
    write: false,
    outdir: "out",
  });
  const files = Object.keys(result.metafile.inputs).filter((path) => !path.includes("node_modules"));
  const actions = new Set<string>();
  for (const file of files) {
    for (const [, command] of read(file).matchAll(/new (\w+Command)\(/g)) {
      const mapped = COMMAND_ACTIONS[command!];
      expect(mapped, `${file} sends ${command}: add it to COMMAND_ACTIONS and the stacks`).toBeDefined();
      for (const action of mapped!) actions.add(action);
    }
  }
  return [...actions].sort();
}

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
        "sst.aws.Function Web",
        "sst.aws.Function Rollups",
        "sst.aws.Queue RollupFailures",
        "aws.cloudwatch.MetricAlarm RollupFailuresWaiting",
        "sst.aws.Cron ClosePeriodsCron",
        "sst.aws.Cron SyncCatalogCron",
        "aws.lambda.FunctionEventInvokeConfig ClosePeriodsRetries",
        "aws.lambda.FunctionEventInvokeConfig SyncCatalogRetries",
        "sst.aws.SnsTopic Alerts",
        "aws.cloudwatch.MetricAlarm ClosePeriodsErrors",
        "aws.cloudwatch.MetricAlarm ScheduleFailuresWaiting",
        "aws.cloudwatch.MetricAlarm CatalogSyncAnomalies",
        "sst.aws.Queue WebhookEventsDead",
        "sst.aws.Queue WebhookEvents",
        "sst.aws.Function DeliverWebhooks",
        "aws.cloudwatch.EventRule WebhookEventsRule",
        "aws.cloudwatch.EventTarget WebhookEventsTarget",
        "aws.sqs.QueuePolicy WebhookEventsPolicy",
        "sst.aws.Cron DeliverWebhooksCron",
        "aws.lambda.FunctionEventInvokeConfig DeliverWebhooksRetries",
        "aws.cloudwatch.MetricAlarm WebhookEventsDeadLetters",
        "aws.cloudwatch.MetricAlarm WebhookEventsBacklog",
        "aws.cloudwatch.MetricAlarm DeliverWebhooksErrors",
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
      [TABLE.listIndex.name]: { hashKey: TABLE.listIndex.partitionKey, rangeKey: TABLE.listIndex.sortKey },
      [TABLE.planIndex.name]: {
        hashKey: TABLE.planIndex.partitionKey,
        rangeKey: TABLE.planIndex.sortKey,
        projection: "keys-only",
      },
    });
    const sstProjection = { ALL: undefined, KEYS_ONLY: "keys-only" } as const;
    for (const gsi of local.GlobalSecondaryIndexes!) {
      const { projection, ...keys } = args.globalIndexes[gsi.IndexName!];
      expect(keys).toEqual(keyOf(gsi.KeySchema!));
      // The same projection on AWS as on DynamoDB Local (SST's default, undefined, is ALL).
      expect(projection).toBe(sstProjection[gsi.Projection!.ProjectionType as "ALL" | "KEYS_ONLY"]);
    }
    expect(local.GlobalSecondaryIndexes!.map((g) => g.Projection?.ProjectionType)).toEqual([
      "KEYS_ONLY",
      "ALL",
      "ALL",
      "KEYS_ONLY",
    ]);
    // The stream the rollups read (stacks/rollups.ts): new images, on AWS as on DynamoDB Local.
    expect(args.stream).toBe("new-image");
    expect(local.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_IMAGE" });
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

  it("links only the secrets a function's code reads, and passes the table and bus by name", () => {
    const readByConfig = [...read("functions/config.ts").matchAll(/as Linked\)\.(\w+)\.\w+/g)].map((m) => m[1]);
    expect(new Set(readByConfig)).toEqual(new Set(["ApiKey", "SigningSecret"]));
    for (const fn of functions()) {
      const links = ((fn.args.link ?? []) as unknown[]).map((l) => recordOf(l)?.name);
      expect(links, fn.name).toEqual(EXPECTED_LINKS[fn.name]);
      for (const name of links) expect(readByConfig).toContain(name);
      expect(fn.args.role).toBeUndefined();
      expect(fn.args.policies).toBeUndefined();
      // The web apps' function reads no table (test/infra/web.test.ts).
      if (fn.name !== "Web") expect(String(refOf(fn.args.environment.BILLING_TABLE))).toBe("${Table.name}");
    }
    expect(String(refOf(one("sst.aws.Function", "Graphql").args.environment.BILLING_BUS))).toBe("${Bus.name}");
    expect(String(refOf(one("sst.aws.Function", "ClosePeriods").args.environment.BILLING_BUS))).toBe("${Bus.name}");
    expect(String(refOf(one("sst.aws.Function", "DeliverWebhooks").args.environment.BILLING_BUS))).toBe("${Bus.name}");
    expect(one("sst.aws.Function", "SyncCatalog").args.environment.BILLING_BUS).toBeUndefined();
  });

  it("grants each function explicit item-level actions only: the evaluated policy documents", () => {
    const policy = (name: string) => policyOf(one("sst.aws.Function", name));
    const data = ["GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]
      .concat("ConditionCheckItem")
      .map((a) => `dynamodb:${a}`);
    const api = [
      { Effect: "Allow", Action: data, Resource: [TABLE_ARN] },
      { Effect: "Allow", Action: ["dynamodb:Query"], Resource: [`${TABLE_ARN}/index/*`] },
      { Effect: "Allow", Action: ["events:PutEvents"], Resource: [BUS_ARN] },
    ];
    const dlq = { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [QUEUE_ARN] };
    expect(policy("Graphql")).toEqual({ Version: "2012-10-17", Statement: api });
    expect(policy("ClosePeriods")).toEqual({ Version: "2012-10-17", Statement: [...api, dlq] });
    expect(policy("SyncCatalog")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem"].concat(
            "dynamodb:BatchWriteItem",
          ),
          Resource: [TABLE_ARN],
          Condition: {
            "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [keys.aiModelPartition()] },
            Null: { "dynamodb:LeadingKeys": ["false"] },
          },
        },
        dlq,
      ],
    });

    const webhookItems = {
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem"].concat(
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
      ),
      Resource: [TABLE_ARN],
      Condition: {
        "ForAllValues:StringLike": {
          "dynamodb:LeadingKeys": ["WEBHOOK_ENDPOINTS", "WEBHOOK_DELIVERY#*", "OUTBOX#*", "CLOCK"],
        },
        Null: { "dynamodb:LeadingKeys": ["false"] },
      },
    };
    expect(policy("DeliverWebhooks")).toEqual({
      Version: "2012-10-17",
      Statement: [
        webhookItems,
        { Effect: "Allow", Action: ["dynamodb:Query"], Resource: [`${TABLE_ARN}/index/gsi1`] },
        { Effect: "Allow", Action: ["events:PutEvents"], Resource: [BUS_ARN] },
        {
          Effect: "Allow",
          Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
          Resource: [WEBHOOK_QUEUE_ARN],
        },
      ],
    });

    // What the documents allow, evaluated like IAM (default deny, wildcards, these conditions).
    const models = { "dynamodb:LeadingKeys": [keys.aiModelPartition()] };
    const wallet = { "dynamodb:LeadingKeys": [keys.wallet("acme").pk] };
    for (const name of ["Graphql", "ClosePeriods", "SyncCatalog", "DeliverWebhooks"]) {
      for (const action of ["dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:RestoreTableFromBackup"])
        expect(allows(policy(name), action, TABLE_ARN, models), `${name} ${action}`).toBe(false);
      expect(allows(policy(name), "dynamodb:Scan", TABLE_ARN, models), `${name} Scan`).toBe(false);
      expect(allows(policy(name), "events:PutPermission", BUS_ARN, {}), name).toBe(false);
      for (const statement of policy(name).Statement)
        for (const action of statement.Action) expect(action, name).not.toMatch(/\*/);
    }
    expect(allows(policy("Graphql"), "dynamodb:UpdateItem", TABLE_ARN, wallet)).toBe(true);
    expect(allows(policy("Graphql"), "events:PutEvents", BUS_ARN, {})).toBe(true);
    expect(
      allows(policy("Graphql"), "events:PutEvents", "arn:aws:events:eu-west-1:123456789012:event-bus/other", {}),
    ).toBe(false);
    expect(allows(policy("SyncCatalog"), "dynamodb:BatchWriteItem", TABLE_ARN, models)).toBe(true);
    expect(allows(policy("SyncCatalog"), "dynamodb:PutItem", TABLE_ARN, wallet)).toBe(false);
    expect(
      allows(policy("SyncCatalog"), "dynamodb:BatchWriteItem", TABLE_ARN, {
        "dynamodb:LeadingKeys": [keys.aiModelPartition(), keys.wallet("acme").pk],
      }),
    ).toBe(false);
    expect(allows(policy("SyncCatalog"), "dynamodb:PutItem", TABLE_ARN, {})).toBe(false);
    expect(allows(policy("SyncCatalog"), "dynamodb:UpdateItem", TABLE_ARN, models)).toBe(false);
    expect(allows(policy("SyncCatalog"), "dynamodb:Query", `${TABLE_ARN}/index/gsi1`, models)).toBe(false);
    expect(allows(policy("SyncCatalog"), "events:PutEvents", BUS_ARN, {})).toBe(false);
    // The delivery function: webhook items, its outbox, the clock; no wallet, key, invoice or other index.
    const webhooks = policy("DeliverWebhooks");
    for (const pk of ["WEBHOOK_ENDPOINTS", "WEBHOOK_DELIVERY#wd_1", "OUTBOX#webhook_endpoint.disabled:we_1:x", "CLOCK"])
      expect(allows(webhooks, "dynamodb:UpdateItem", TABLE_ARN, { "dynamodb:LeadingKeys": [pk] }), pk).toBe(true);
    for (const pk of ["CUSTOMER#acme", "API_KEYS", "INVOICE#inv_1", "COUNTER", "AI_MODELS", "WEBHOOK_ENDPOINTSX"])
      expect(allows(webhooks, "dynamodb:PutItem", TABLE_ARN, { "dynamodb:LeadingKeys": [pk] }), pk).toBe(false);
    expect(allows(webhooks, "dynamodb:GetItem", TABLE_ARN, {})).toBe(false);
    expect(allows(webhooks, "dynamodb:Query", `${TABLE_ARN}/index/gsi1`, {})).toBe(true);
    expect(allows(webhooks, "dynamodb:Query", `${TABLE_ARN}/index/gsi2`, {})).toBe(false);
    expect(allows(webhooks, "sqs:ReceiveMessage", WEBHOOK_QUEUE_ARN, {})).toBe(true);
    expect(allows(webhooks, "sqs:SendMessage", WEBHOOK_QUEUE_ARN, {})).toBe(false);
  });

  it("grants every AWS call each function's code can make", async () => {
    for (const { name, entry } of FUNCTION_ENTRIES) {
      const fn = functions().find((f) => f.args.handler.startsWith(entry.replace(/\.ts$/, ".")))!;
      const document = policyOf(fn);
      const context: Record<string, string[]> =
        fn.name === "SyncCatalog"
          ? { "dynamodb:LeadingKeys": [keys.aiModelPartition()] }
          : fn.name === "DeliverWebhooks"
            ? WEBHOOK_ITEM
            : fn.name === "Rollups"
              ? { "dynamodb:LeadingKeys": ["AICOST#CUSTOMER#M2026-01"] }
              : {};
      for (const action of await actionsInBundle(entry)) {
        // Queries of the delivery function go to the webhook due index; the others' to the table.
        const resource = action.startsWith("events:")
          ? BUS_ARN
          : fn.name === "DeliverWebhooks" && action === "dynamodb:Query"
            ? `${TABLE_ARN}/index/gsi1`
            : TABLE_ARN;
        expect(allows(document, action, resource, context), `${name} needs ${action}`).toBe(true);
      }
    }
  });

  it("runs every function on Node 22 arm64, bundled as minified ESM like scripts/build-functions.ts", () => {
    for (const fn of functions()) {
      expect(fn.args).toMatchObject({
        runtime: "nodejs22.x",
        architecture: "arm64",
        nodejs: { format: "esm", minify: true, splitting: true },
      });
      expect(fn.args.nodejs.esbuild?.external ?? []).toEqual(BUNDLE_EXTERNAL);
      expect(fn.args.nodejs.esbuild?.keepNames ?? true).toBe(KEEP_NAMES);
      expect(fn.args.nodejs.plugins).toBe(BUNDLE_PLUGINS_FILE);
      expect(fn.args.memory).toMatch(/^\d+ MB$/);
      expect(fn.args.logging.retention).toBe(production ? "3 months" : "1 week");
    }
  });

  it("runs the real clock in production and the test clock elsewhere", () => {
    const clock = production ? "real" : "test";
    expect(one("sst.aws.Function", "Graphql").args.environment.BILLING_CLOCK).toBe(clock);
    expect(one("sst.aws.Function", "ClosePeriods").args.environment.BILLING_CLOCK).toBe(clock);
    expect(one("sst.aws.Function", "SyncCatalog").args.environment.BILLING_CLOCK).toBeUndefined();
    expect(one("sst.aws.Function", "DeliverWebhooks").args.environment.BILLING_CLOCK).toBe(clock);
  });

  it("serves POST, GET and OPTIONS (CORS preflight) /graphql from the GraphQL function and the web apps from theirs, throttled, with access logs", () => {
    const api = one("sst.aws.ApiGatewayV2", "Api");
    const routes = api.calls.filter((c) => c.method === "route").map((c) => [c.args[0], String(refOf(c.args[1]))]);
    expect(routes).toEqual([
      ["POST /graphql", "${Graphql.arn}"],
      ["GET /graphql", "${Graphql.arn}"],
      ["OPTIONS /graphql", "${Graphql.arn}"],
      // The web apps (stacks/web.ts, test/infra/web.test.ts): GET only, from their own function.
      ["GET /console", "${Web.arn}"],
      ["GET /console/{path+}", "${Web.arn}"],
      ["GET /portal", "${Web.arn}"],
      ["GET /portal/{path+}", "${Web.arn}"],
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

  it("reserves concurrency for the GraphQL function: 100 in production, 10 elsewhere, none for the jobs", () => {
    expect(one("sst.aws.Function", "Graphql").args.concurrency).toEqual({ reserved: production ? 100 : 10 });
    expect(one("sst.aws.Function", "ClosePeriods").args.concurrency).toBeUndefined();
    expect(one("sst.aws.Function", "SyncCatalog").args.concurrency).toBeUndefined();
    expect(one("sst.aws.Function", "DeliverWebhooks").args.concurrency).toBeUndefined();
  });

  it("schedules the sweeper every 5 minutes, the catalog sync daily and the webhook retries every minute", () => {
    const crons = Object.fromEntries(all("sst.aws.Cron").map((c) => [String(refOf(c.args.function)), c.args.schedule]));
    expect(crons).toEqual({
      "${ClosePeriods.arn}": "rate(5 minutes)",
      "${SyncCatalog.arn}": "rate(1 day)",
      "${DeliverWebhooks.arn}": "rate(1 minute)",
    });
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
      expect(
        permissions
          .filter((p: any) => p.actions[0].startsWith("sqs:"))
          .map((p: any) => [p.actions, String(refOf(p.resources[0]))]),
      ).toEqual([[["sqs:SendMessage"], "${ScheduleFailures.arn}"]]);
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

  it("alarms when the catalog sync holds prices or refuses the feed, on the metric the sync emits", () => {
    const alarm = one("aws.cloudwatch.MetricAlarm", "CatalogSyncAnomalies").args;
    expect(alarm).toMatchObject({
      namespace: METRIC_NAMESPACE,
      metricName: ANOMALY_METRIC,
      statistic: "Maximum",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    expect(String(refOf(alarm.dimensions.FunctionName))).toBe("${SyncCatalog.name}");
    expect(alarm.alarmActions.map((a: unknown) => String(refOf(a)))).toEqual(["${Alerts.arn}"]);
    // The sync's metric line carries exactly this namespace, name and dimension.
    const source = read("functions/sync-catalog.ts");
    expect(source).toContain("Namespace: METRIC_NAMESPACE");
    expect(source).toContain('Dimensions: [["FunctionName"]]');
  });

  it("feeds every bus event to the webhook queue, consumed in batches with partial failures, a DLQ and alarms", () => {
    const rule = one("aws.cloudwatch.EventRule", "WebhookEventsRule").args;
    expect(String(refOf(rule.eventBusName))).toBe("${Bus.name}");
    expect(JSON.parse(rule.eventPattern)).toEqual({ source: ["billing"] });
    const target = one("aws.cloudwatch.EventTarget", "WebhookEventsTarget").args;
    expect([String(refOf(target.rule)), String(refOf(target.arn))]).toEqual([
      "${WebhookEventsRule.name}",
      "${WebhookEvents.arn}",
    ]);
    // Only EventBridge, for this rule, may send to the queue.
    const queuePolicy = one("aws.sqs.QueuePolicy", "WebhookEventsPolicy").args;
    expect(String(refOf(queuePolicy.queueUrl))).toBe("${WebhookEvents.url}");
    expect(JSON.parse(String(queuePolicy.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: "${WebhookEvents.arn}",
          Condition: { ArnEquals: { "aws:SourceArn": "${WebhookEventsRule.arn}" } },
        },
      ],
    });

    const queue = one("sst.aws.Queue", "WebhookEvents");
    expect(String(refOf(queue.args.dlq.queue))).toBe("${WebhookEventsDead.arn}");
    expect(queue.args.dlq.retry).toBe(5);
    const fn = one("sst.aws.Function", "DeliverWebhooks").args;
    // AWS's advice for Lambda consumers: a visibility timeout of at least 6 times the function's timeout.
    expect([queue.args.visibilityTimeout, fn.timeout]).toEqual(["6 minutes", "1 minute"]);
    expect(one("sst.aws.Queue", "WebhookEventsDead").args.transform.queue.messageRetentionSeconds).toBe(14 * 24 * 3600);
    const subscriptions = queue.calls.filter((c) => c.method === "subscribe");
    expect(subscriptions).toHaveLength(1);
    const [subscriber, options] = subscriptions[0]!.args as [unknown, any];
    expect(String(refOf(subscriber))).toBe("${DeliverWebhooks.arn}");
    expect(options.batch).toEqual({ size: 10, partialResponses: true });
    expect(options.transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBe(10);
    expect(read("functions/deliver-webhooks.ts")).toContain("batchItemFailures");

    const retries = one("aws.lambda.FunctionEventInvokeConfig", "DeliverWebhooksRetries").args;
    expect(String(refOf(retries.functionName))).toBe("${DeliverWebhooks.name}");
    expect(retries.maximumRetryAttempts).toBe(0);

    const alarm = (name: string) => one("aws.cloudwatch.MetricAlarm", name).args;
    expect(alarm("WebhookEventsDeadLetters")).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      threshold: 1,
    });
    expect(String(refOf(alarm("WebhookEventsDeadLetters").dimensions.QueueName))).toBe(
      "${WebhookEventsDead.nodes.queue.name}",
    );
    expect(alarm("WebhookEventsBacklog")).toMatchObject({
      metricName: "ApproximateAgeOfOldestMessage",
      threshold: 900,
    });
    expect(String(refOf(alarm("WebhookEventsBacklog").dimensions.QueueName))).toBe("${WebhookEvents.nodes.queue.name}");
    expect(alarm("DeliverWebhooksErrors")).toMatchObject({ namespace: "AWS/Lambda", metricName: "Errors" });
    expect(String(refOf(alarm("DeliverWebhooksErrors").dimensions.FunctionName))).toBe("${DeliverWebhooks.name}");
    for (const name of ["WebhookEventsDeadLetters", "WebhookEventsBacklog", "DeliverWebhooksErrors"])
      expect(alarm(name).alarmActions.map((a: unknown) => String(refOf(a)))).toEqual(["${Alerts.arn}"]);
  });

  it("outputs the GraphQL URL, the console's, the table name and the bus name", () => {
    expect(evaluation.outputs).toEqual({
      graphql: "${Api.url}/graphql",
      console: "${Api.url}/console",
      table: expect.anything(),
      bus: expect.anything(),
    });
    expect(String(refOf(evaluation.outputs.table))).toBe("${Table.name}");
    expect(String(refOf(evaluation.outputs.bus))).toBe("${Bus.name}");
  });
});

describe("deploy-time settings", () => {
  const withEnv = async (env: Record<string, string>) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return await evaluateConfig("production");
    } finally {
      process.env = saved;
    }
  };
  const graphql = (evaluation: Evaluation) =>
    evaluation.components.find((c) => c.kind === "sst.aws.Function" && c.name === "Graphql")!;

  it("BILLING_SECRETS=ssm: no SST secrets, parameter names and GetParameters on exactly those two", async () => {
    const evaluation = await withEnv({ BILLING_SECRETS: "ssm" });
    expect(evaluation.components.filter((c) => c.kind === "sst.Secret")).toEqual([]);
    const fn = graphql(evaluation);
    expect(fn.args.link).toEqual([]);
    expect(fn.args.environment).toMatchObject({
      BILLING_API_KEY_PARAMETER: "/ai-billing/production/ApiKey",
      BILLING_SIGNING_SECRET_PARAMETER: "/ai-billing/production/SigningSecret",
    });
    const document = policyOf(fn);
    expect(document.Statement.filter((st) => st.Action.some((a) => a.startsWith("ssm:")))).toEqual([
      {
        Effect: "Allow",
        Action: ["ssm:GetParameters"],
        Resource: [
          "arn:aws:ssm:*:*:parameter/ai-billing/production/ApiKey",
          "arn:aws:ssm:*:*:parameter/ai-billing/production/SigningSecret",
        ],
      },
    ]);
    const arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/ai-billing/production/";
    expect(allows(document, "ssm:GetParameters", `${arn}ApiKey`, {})).toBe(true);
    expect(allows(document, "ssm:GetParameters", `${arn}Other`, {})).toBe(false);
    expect(allows(document, "ssm:PutParameter", `${arn}ApiKey`, {})).toBe(false);
    // The delivery function reads the signing secret only, never the API key.
    const webhooks = evaluation.components.find((c) => c.kind === "sst.aws.Function" && c.name === "DeliverWebhooks")!;
    expect(webhooks.args.link).toEqual([]);
    expect(webhooks.args.environment.BILLING_SIGNING_SECRET_PARAMETER).toBe("/ai-billing/production/SigningSecret");
    expect(webhooks.args.environment.BILLING_API_KEY_PARAMETER).toBeUndefined();
    const webhookDocument = policyOf(webhooks);
    expect(allows(webhookDocument, "ssm:GetParameters", `${arn}SigningSecret`, {})).toBe(true);
    expect(allows(webhookDocument, "ssm:GetParameters", `${arn}ApiKey`, {})).toBe(false);
    await expect(withEnv({ BILLING_SECRETS: "vault" })).rejects.toThrow(/BILLING_SECRETS must be sst or ssm/);
  });

  it("BILLING_GRAPHQL_CONCURRENCY overrides the reserved concurrency, or removes it", async () => {
    expect(graphql(await withEnv({ BILLING_GRAPHQL_CONCURRENCY: "250" })).args.concurrency).toEqual({ reserved: 250 });
    expect(graphql(await withEnv({ BILLING_GRAPHQL_CONCURRENCY: "none" })).args.concurrency).toBeUndefined();
    await expect(withEnv({ BILLING_GRAPHQL_CONCURRENCY: "0" })).rejects.toThrow(/BILLING_GRAPHQL_CONCURRENCY/);
  });
});
