/**
 * The HTTP face of the API: graphql-yoga over the schema, with the Host check, CORS and response
 * headers (plugins/http-headers.ts), authentication at the edge (plugins/auth.ts), a rate per
 * caller (plugins/rate-limit.ts), request limits (plugins/limits.ts), input bounds, the audit log,
 * and error masking. The same instance serves the local server and the Lambda function.
 *
 * Production is the real clock: there GraphiQL and introspection are off and field suggestions
 * are removed from error messages, whatever the options say.
 */
import { GraphQLError } from "graphql";
import { createYoga, type YogaServerOptions } from "graphql-yoga";
import { deriveSigningSecret } from "../core/auth/customer-tokens";
import type { Deps } from "../core/deps";
import { type WebhookDeps, webhookDeps } from "../core/webhooks/deps";
import type { Context } from "./builder";
import { maskError, validationErrorCodes } from "./errors";
import { schema } from "./index";
import { audit, consoleAuditLog, type AuditLog } from "./plugins/audit";
import { documentCache } from "./plugins/document-cache";
import { bearerAuth, principalOf } from "./plugins/auth";
import { graphiqlPage, type GraphiqlRenderer } from "./plugins/graphiql";
import { httpHeaders } from "./plugins/http-headers";
import { inputBounds } from "./plugins/input-bounds";
import { literalPaths } from "./plugins/literal-paths";
import { DEFAULT_LIMITS, limitPlugins, type Limits } from "./plugins/limits";
import { rateLimit } from "./plugins/rate-limit";
import { requestId } from "./plugins/request-id";

export type YogaOptions = {
  deps: Deps;
  /** The bootstrap key: an ADMIN credential from the deployment's configuration. */
  apiKey: string;
  /** Signs customer tokens; default derived from `apiKey` (functions/config.ts documents it). */
  signingSecret?: string;
  /** Names this deployment in customer tokens' `iss`; default the table name. */
  deployment?: string;
  /** Browser origins allowed by CORS; none by default (no CORS headers at all). */
  corsOrigins?: string[];
  /**
   * Host names (without port) this server answers for; any other Host is refused (DNS rebinding).
   * Undefined: any (behind API Gateway, whose host it is).
   */
  allowedHosts?: string[];
  limits?: Partial<Limits>;
  auditLog?: AuditLog;
  /** Renders the GraphiQL page (test mode only; the local server passes one); none: no GraphiQL. */
  graphiql?: GraphiqlRenderer;
  /**
   * What webhook operations run with (core/webhooks/deps.ts); default: `deps` with a vault keyed
   * by the signing secret and the HTTP transport. The local server passes its in-process runner's.
   */
  webhooks?: WebhookDeps;
  /**
   * The portal page's absolute URL that createPortalSession links to; default `/portal` on the
   * origin the request came to (the API's own, where the deployment serves the page).
   */
  portalUrl?: string;
  /**
   * The fetch classes yoga builds requests and responses with; default @whatwg-node/fetch's (its
   * Node ponyfill, what node:http servers use). The Lambda passes Node's own (functions/graphql.ts).
   */
  fetchAPI?: YogaServerOptions<Record<string, unknown>, Context>["fetchAPI"];
};

export function createBillingYoga(options: YogaOptions) {
  const production = options.deps.clock.mode === "real";
  const graphiql = production ? undefined : options.graphiql;
  const credentials = {
    bootstrapKey: options.apiKey,
    tokens: {
      secret: options.signingSecret ?? deriveSigningSecret(options.apiKey),
      issuer: options.deployment ?? options.deps.db.table,
    },
  };
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const webhooks = options.webhooks ?? webhookDeps(options.deps, credentials.tokens.secret);
  return createYoga<Record<string, unknown>, Context>({
    schema,
    ...(options.fetchAPI ? { fetchAPI: options.fetchAPI } : {}),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: false, // expected errors are answers; unexpected ones are logged by maskError
    graphiql: false, // plugins/graphiql.ts serves it, with its assets inline
    maskedErrors: { maskError: (error) => maskError(error) },
    batching: false,
    parserAndValidationCache: false, // plugins/document-cache.ts: the same cache, without a timer per request
    maxRequestBodySize: false, // limits.maxBodyBytes, in limitPlugins: the same limit, cheaper
    cors: false, // plugins/http-headers.ts: no header at all for origins not allowed
    context: ({ request }) => {
      const principal = principalOf(request);
      // Unreachable in practice: bearerAuth answers 401 before a request without credentials gets here.
      if (!principal)
        throw new GraphQLError("authentication required", {
          extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
        });
      // Parsed only when asked for (createPortalSession): a URL parse on every request otherwise.
      const portalUrl = () => options.portalUrl ?? new URL("/portal", request.url).href;
      return { deps: options.deps, principal, tokens: credentials.tokens, webhooks, portalUrl };
    },
    plugins: [
      requestId(),
      httpHeaders({ corsOrigins: options.corsOrigins ?? [], allowedHosts: options.allowedHosts }),
      ...(graphiql ? [graphiqlPage(graphiql, "/graphql")] : []),
      bearerAuth(options.deps, credentials),
      rateLimit({ apiKey: limits.apiKeyRate, customer: limits.customerRate }),
      validationErrorCodes(),
      literalPaths(),
      ...limitPlugins(limits, production),
      audit(options.auditLog ?? consoleAuditLog, credentials),
      inputBounds(),
      documentCache(), // last: where yoga puts its own (plugins/document-cache.ts)
    ],
  });
}
