/**
 * The GraphQL endpoint: one Lambda behind an API Gateway HTTP API, `POST /graphql` for operations,
 * `GET /graphql` for GraphiQL (served in test-clock stages) and GET queries, and `OPTIONS /graphql`
 * for browsers' CORS preflights, which the function answers (schema/yoga.ts) for the origins in
 * BILLING_CORS_ORIGINS at deploy time (comma-separated; none when unset).
 */
import { bus } from "./bus";
import { apiKey, signingSecret } from "./secrets";
import { clockMode, isProduction, lambdaDefaults, logRetention } from "./settings";
import { table } from "./table";

const corsOrigins = process.env.BILLING_CORS_ORIGINS?.trim();

export const graphqlHandler = new sst.aws.Function("Graphql", {
  ...lambdaDefaults,
  handler: "functions/graphql.handler",
  description: "Billing GraphQL API",
  memory: "1024 MB",
  // API Gateway HTTP APIs give up after 30 s; stop just before so the client gets our error.
  timeout: "29 seconds",
  link: [table, bus, apiKey, signingSecret],
  environment: { BILLING_CLOCK: clockMode, ...(corsOrigins ? { BILLING_CORS_ORIGINS: corsOrigins } : {}) },
});

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
