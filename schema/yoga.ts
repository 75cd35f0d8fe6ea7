/**
 * The HTTP face of the API: graphql-yoga over the schema, with authentication at the edge
 * (plugins/auth.ts), request limits (plugins/limits.ts), input bounds, the audit log, CORS for the
 * configured browser origins, and error masking. The same instance serves the local server and
 * the Lambda function.
 *
 * Production is the real clock: there GraphiQL and introspection are off and field suggestions
 * are removed from error messages, whatever the options say.
 */
import { GraphQLError } from "graphql";
import { createYoga } from "graphql-yoga";
import { deriveSigningSecret } from "../core/auth/customer-tokens";
import type { Deps } from "../core/deps";
import type { Context } from "./builder";
import { maskError, validationErrorCodes } from "./errors";
import { schema } from "./index";
import { audit, consoleAuditLog, type AuditLog } from "./plugins/audit";
import { bearerAuth, principalOf } from "./plugins/auth";
import { inputBounds } from "./plugins/input-bounds";
import { DEFAULT_LIMITS, limitPlugins, type Limits } from "./plugins/limits";

export type YogaOptions = {
  deps: Deps;
  /** The bootstrap key: an ADMIN credential from the deployment's configuration. */
  apiKey: string;
  /** Signs customer tokens; default derived from `apiKey` (functions/config.ts documents it). */
  signingSecret?: string;
  /** Browser origins allowed by CORS; none by default (no CORS headers at all). */
  corsOrigins?: string[];
  limits?: Partial<Limits>;
  auditLog?: AuditLog;
  graphiql?: boolean | { defaultHeaders?: string };
};

export function createBillingYoga(options: YogaOptions) {
  const production = options.deps.clock.mode === "real";
  const graphiql = !production && Boolean(options.graphiql);
  const credentials = {
    bootstrapKey: options.apiKey,
    signingSecret: options.signingSecret ?? deriveSigningSecret(options.apiKey),
  };
  const origins = options.corsOrigins ?? [];
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: false, // expected errors are answers; unexpected ones are logged by maskError
    graphiql: graphiql
      ? { headers: typeof options.graphiql === "object" ? options.graphiql.defaultHeaders : undefined }
      : false,
    maskedErrors: { maskError: (error) => maskError(error) },
    batching: false,
    maxRequestBodySize: false, // limits.maxBodyBytes, in limitPlugins: the same limit, cheaper
    cors: origins.length
      ? {
          origin: origins,
          credentials: false,
          methods: ["GET", "POST"],
          allowedHeaders: ["authorization", "content-type"],
          maxAge: 600,
        }
      : false,
    context: ({ request }) => {
      const principal = principalOf(request);
      // Unreachable in practice: bearerAuth answers 401 before a request without credentials gets here.
      if (!principal)
        throw new GraphQLError("authentication required", {
          extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
        });
      return { deps: options.deps, principal, signingSecret: credentials.signingSecret };
    },
    plugins: [
      bearerAuth(options.deps, credentials, graphiql),
      validationErrorCodes(),
      ...limitPlugins(limits, production),
      audit(options.auditLog ?? consoleAuditLog),
      inputBounds(),
    ],
  });
}
