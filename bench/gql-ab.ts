/**
 * The GraphQL layer's CPU per request, in one process, for two checkouts side by side: A's and B's
 * yoga instances (each on its own core/ and schema/ modules, both on the same DynamoDB Local and
 * the same node_modules) serve the same steady-state tracks and entitlement checks in alternating
 * rounds, so both see the same machine load; CPU ms per request is this process's user + system
 * time. The audit log goes to stdout (send it to /dev/null or a pipe). `--handler` drives each
 * checkout's Lambda handler (functions/graphql.ts) with API Gateway HTTP API v2 events instead of
 * yoga.fetch.
 *
 *   npx tsx bench/gql-ab.ts [--a <dir>] [--requests 1000] [--rounds 4] [--warmup 2000] [--op track|check|both] [--handler]
 *
 * Without --a, A and B are both this checkout (the A/A spread: the noise floor).
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { arg, median } from "./lib";
import { API_KEY, benchDeps, ENTITLEMENT, root, seedHotCustomer, TABLE, TRACK } from "./harness";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const A = resolve(arg("a", root));
const REQUESTS = Number(arg("requests", "1000"));
const ROUNDS = Number(arg("rounds", "4"));
const WARMUP = Number(arg("warmup", "2000"));
const OP = arg("op", "both");
const HANDLER = process.argv.includes("--handler");
const log = (line: string) => process.stderr.write(`${line}\n`);

type Send = (body: string) => Promise<string>;

async function variant(dir: string, endpoint: string, tag: string): Promise<Send> {
  if (HANDLER) {
    Object.assign(process.env, {
      BILLING_TABLE: TABLE,
      DYNAMODB_ENDPOINT: endpoint,
      BILLING_API_KEY: API_KEY,
      BILLING_CLOCK: "real",
    });
    const { handler } = (await import(`${pathToFileURL(join(dir, "functions/graphql.ts")).href}?${tag}`)) as {
      handler: (event: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    return async (body) => {
      const result = await handler(httpApiEvent(body));
      return result.body;
    };
  }
  const { createBillingYoga } = (await import(
    pathToFileURL(join(dir, "schema/yoga.ts")).href
  )) as typeof import("../schema/yoga");
  const { depsFromConfig } = (await import(
    pathToFileURL(join(dir, "functions/deps.ts")).href
  )) as typeof import("../functions/deps");
  const { loadConfig } = (await import(
    pathToFileURL(join(dir, "functions/config.ts")).href
  )) as typeof import("../functions/config");
  const config = loadConfig({
    BILLING_TABLE: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    BILLING_API_KEY: API_KEY,
    BILLING_CLOCK: "real",
  });
  // The checkout's own fetch classes for its servers, where it has them (schema/http/light-fetch.ts).
  const light = (await import(pathToFileURL(join(dir, "schema/http/light-fetch.ts")).href).catch(() => undefined)) as
    | { lightFetchAPI: Record<string, unknown> }
    | undefined;
  const yoga = createBillingYoga({
    deps: depsFromConfig({ ...config, busName: undefined }),
    apiKey: config.apiKey,
    ...(light ? { fetchAPI: light.lightFetchAPI } : {}),
  });
  return async (body) => {
    const res = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        authorization: `Bearer ${API_KEY}`,
      },
      body,
    });
    return res.text();
  };
}

const join = (dir: string, file: string) => resolve(dir, file);

/** What API Gateway's HTTP API (payload v2) hands the Lambda for a POST /graphql. */
function httpApiEvent(body: string) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/graphql",
    rawQueryString: "",
    headers: {
      accept: "*/*",
      authorization: `Bearer ${API_KEY}`,
      "content-length": String(Buffer.byteLength(body)),
      "content-type": "application/json",
      host: "abc123.execute-api.us-east-1.amazonaws.com",
      "user-agent": "bench",
      "x-amzn-trace-id": "Root=1-00000000-000000000000000000000000",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method: "POST", path: "/graphql", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
      requestId: "req",
      routeKey: "$default",
      stage: "$default",
      time: "01/Dec/2026:00:00:00 +0000",
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

async function main() {
  const dynamo = await startDynamoLocal();
  try {
    const deps = await benchDeps(dynamo.endpoint);
    await seedHotCustomer(deps);
    const sends = [await variant(A, dynamo.endpoint, "a"), await variant(root, dynamo.endpoint, "b")];
    let seq = 0;
    const ops: Record<string, () => string> = {
      track: () =>
        JSON.stringify({
          query: TRACK,
          variables: { i: { customerId: "c-hot", feature: "api_calls", idempotencyKey: `k-${seq++}` } },
        }),
      check: () => JSON.stringify({ query: ENTITLEMENT, variables: { c: "c-hot" } }),
    };
    for (const name of OP === "both" ? ["track", "check"] : [OP]) {
      const body = ops[name]!;
      const run = async (send: Send, n: number) => {
        for (let i = 0; i < n; i++) {
          const out = await send(body());
          if (out.includes('"errors"')) throw new Error(out);
        }
      };
      for (const send of sends) await run(send, WARMUP);
      const cpu: number[][] = [[], []];
      for (let r = 0; r < ROUNDS; r++) {
        for (const i of r % 2 ? [1, 0] : [0, 1]) {
          const c0 = process.cpuUsage();
          await run(sends[i]!, REQUESTS);
          const c = process.cpuUsage(c0);
          cpu[i]!.push((c.user + c.system) / 1000 / REQUESTS);
        }
        log(`${name} round ${r + 1}: A ${cpu[0]!.at(-1)!.toFixed(3)}  B ${cpu[1]!.at(-1)!.toFixed(3)}`);
      }
      const ratios = cpu[1]!.map((b, r) => b / cpu[0]![r]!);
      log(
        `${name}${HANDLER ? " (Lambda handler)" : ""}: A ${median(cpu[0]!).toFixed(3)}  B ${median(cpu[1]!).toFixed(3)} CPU ms/request (median of ${ROUNDS} x ${REQUESTS}); B/A ${ratios.map((x) => x.toFixed(3)).join(", ")}, median ${median(ratios).toFixed(3)}`,
      );
    }
  } finally {
    await dynamo.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
