/**
 * The GraphQL endpoint: one Lambda behind an API Gateway HTTP API, `POST /graphql` for operations,
 * `GET /graphql` for GraphiQL (served in test-clock stages) and GET queries, and `OPTIONS /graphql`
 * for browsers' CORS preflights, which the function answers (schema/yoga.ts) for the origins in
 * BILLING_CORS_ORIGINS at deploy time (comma-separated; none when unset).
 */
import { bus } from "./bus";
import { graphqlPermissions } from "./permissions";
import { graphqlSecrets } from "./secrets";
import { clockMode, gracePeriodEnvironment, isProduction, lambdaDefaults, logRetention } from "./settings";
import { table } from "./table";

const corsOrigins = process.env.BILLING_CORS_ORIGINS?.trim();

/**
 * Reserved concurrency: the most GraphQL Lambdas that run at once. It caps what a flood can cost
 * and how much DynamoDB load it makes, and keeps the rest of the account's concurrency for other
 * functions (the sweeper's included). Production's 100 covers its API Gateway throttle (2,000
 * requests/s of burst at ~50 ms each is ~100 at once); test stages get 10. Requests beyond it get
 * HTTP 429 from Lambda through API Gateway (503 to the client). BILLING_GRAPHQL_CONCURRENCY
 * overrides it at deploy time (a number, or `none` for accounts whose concurrency quota is too low
 * to reserve any: AWS keeps 100 unreserved).
 */
export const graphqlConcurrency = reservedConcurrency(process.env.BILLING_GRAPHQL_CONCURRENCY, isProduction ? 100 : 10);

export const graphqlHandler = new sst.aws.Function("Graphql", {
  ...lambdaDefaults,
  handler: "functions/graphql.handler",
  description: "Billing GraphQL API",
  memory: "1024 MB",
  // API Gateway HTTP APIs give up after 30 s; stop just before so the client gets our error.
  timeout: "29 seconds",
  link: graphqlSecrets.link,
  permissions: [...graphqlPermissions, ...graphqlSecrets.permissions],
  environment: {
    BILLING_TABLE: table.name,
    BILLING_BUS: bus.name,
    BILLING_CLOCK: clockMode,
    ...(corsOrigins ? { BILLING_CORS_ORIGINS: corsOrigins } : {}),
    ...gracePeriodEnvironment,
    ...graphqlSecrets.environment,
  },
  ...(graphqlConcurrency === undefined ? {} : { concurrency: { reserved: graphqlConcurrency } }),
});

function reservedConcurrency(setting: string | undefined, fallback: number): number | undefined {
  const text = setting?.trim();
  if (!text) return fallback;
  if (text === "none") return undefined;
  if (!/^[1-9]\d*$/.test(text))
    throw new Error(`BILLING_GRAPHQL_CONCURRENCY must be a positive number or none, got "${text}"`);
  return Number(text);
}

/**
 * Stage-wide throttling (requests per second, steady and burst) in front of the Lambda. Production
 * is sized for tracking calls from a busy backend; test stages are capped low so a runaway script
 * costs little. Raise production's if a 429 shows up in the access logs before the account's own
 * limits (10,000 rps) are near.
 */
const throttling = isProduction
  ? { throttlingRateLimit: 1_000, throttlingBurstLimit: 2_000 }
  : { throttlingRateLimit: 50, throttlingBurstLimit: 100 };

export const api = new sst.aws.ApiGatewayV2("Api", {
  // CORS is the function's (BILLING_CORS_ORIGINS), so API Gateway adds no headers of its own.
  cors: false,
  accessLog: { retention: logRetention },
  transform: { stage: { defaultRouteSettings: throttling } },
});

api.route("POST /graphql", graphqlHandler.arn);
api.route("GET /graphql", graphqlHandler.arn);
api.route("OPTIONS /graphql", graphqlHandler.arn);
