/**
 * The GraphQL Lambda's own CPU per request (informational, beside budget item 1's node:http lines):
 * this process imports the real handler (functions/graphql.ts, built at module scope from the
 * environment as on Lambda) and calls it with API Gateway HTTP API (payload v2) events carrying
 * the same requests the HTTP lines send, one at a time, in rounds: steady-state trackUsage of c-hot,
 * then entitlement checks. Each round's CPU is this process's user + system time over its events
 * (building the event objects included: a few microseconds). The audit log goes to stdout, as on
 * Lambda; the result is the last stdout line, `RESULT {...}`.
 *
 * env: BILLING_TABLE, DYNAMODB_ENDPOINT, BILLING_API_KEY, BILLING_CLOCK=real; argv: rounds, requests
 * per round, warm-up requests per operation.
 */
import type { HttpApiEvent } from "../functions/graphql";
import { ENTITLEMENT, TRACK } from "./harness";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const [rounds, requests, warmup] = process.argv.slice(2).map(Number) as [number, number, number];
const { handler } = await import("../functions/graphql");

const HOST = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";

/** What API Gateway hands the function for a POST /graphql (payload format 2.0). */
function httpApiEvent(body: string): HttpApiEvent {
  // The whole event, as API Gateway sends it (HttpApiEvent names only what the adapter reads).
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/graphql",
    rawQueryString: "",
    headers: {
      accept: "*/*",
      authorization: `Bearer ${process.env.BILLING_API_KEY}`,
      "content-length": String(Buffer.byteLength(body)),
      "content-type": "application/json",
      host: HOST,
      "user-agent": "bench",
      "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "a1b2c3d4e5",
      domainName: HOST,
      domainPrefix: "a1b2c3d4e5",
      http: { method: "POST", path: "/graphql", protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "bench" },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: "$default",
      stage: "$default",
      time: "01/Dec/2026:00:00:00 +0000",
      timeEpoch: 1796083200000,
    },
    body,
    isBase64Encoded: false,
  } as HttpApiEvent;
}

let next = 0;
const ops = {
  track: () =>
    JSON.stringify({
      query: TRACK,
      variables: {
        i: {
          customerId: "c-hot",
          feature: "api_calls",
          idempotencyKey: `cpu-lambda-${String(next++).padStart(9, "0")}`,
        },
      },
    }),
  entitlement: () => JSON.stringify({ query: ENTITLEMENT, variables: { c: "c-hot" } }),
};

async function call(body: string) {
  const result = await handler(httpApiEvent(body));
  if (result.statusCode !== 200 || result.body.includes('"errors"'))
    throw new Error(`Lambda handler: ${result.statusCode} ${result.body.slice(0, 300)}`);
}

const out: Record<string, number[]> = {};
for (const [name, body] of Object.entries(ops)) {
  for (let n = 0; n < warmup; n++) await call(body());
  const roundsMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (let n = 0; n < requests; n++) await call(body());
    const cpu = process.cpuUsage(before);
    roundsMs.push((cpu.user + cpu.system) / 1000 / requests);
  }
  out[name] = roundsMs;
}
console.log(`RESULT ${JSON.stringify(out)}`);
process.exit(0);
