/**
 * Authentication at the edge, before anything is parsed: every GraphQL request needs
 * `Authorization: Bearer <credential>`, where the credential is the bootstrap key, a stored API
 * key or a customer token (core/auth/principal.ts). Without a valid one the answer is HTTP 401
 * UNAUTHENTICATED and nothing runs. Credentials are read from this header only, never from the URL.
 *
 * Answered before this plugin, and running nothing: the GraphiQL page (plugins/graphiql.ts, only
 * when GraphiQL is on; with it off, a GET that accepts text/html is an operation like any other) and
 * CORS preflights (OPTIONS), which browsers send without credentials (plugins/http-headers.ts).
 */
import type { Plugin } from "graphql-yoga";
import { prefixFor } from "../../core/auth/api-keys";
import { isTokenShaped } from "../../core/auth/customer-tokens";
import type { ClockMode } from "../../core/clock";
import { authenticate, type Credentials, type Principal } from "../../core/auth/principal";
import type { Deps } from "../../core/deps";

const principals = new WeakMap<Request, Principal>();

/** The caller bearerAuth authenticated for this request. */
export const principalOf = (request: Request): Principal | undefined => principals.get(request);

export function bearerAuth(deps: Deps, credentials: Credentials): Plugin {
  return {
    async onRequest({ request, endResponse }) {
      const match = /^Bearer (.+)$/i.exec((request.headers.get("authorization") ?? "").trim());
      let principal: Principal | undefined;
      try {
        principal = match ? await authenticate(deps, credentials, match[1]!.trim()) : undefined;
      } catch (error) {
        console.error(
          JSON.stringify({
            level: "error",
            msg: "authentication failed unexpectedly",
            error: String((error as Error)?.stack ?? error),
          }),
        );
        return endResponse(errorResponse(500, "Unexpected error.", "INTERNAL_SERVER_ERROR"));
      }
      if (principal) {
        principals.set(request, principal);
        return;
      }
      const message = refusal(request.headers.get("authorization"), match?.[1]?.trim(), deps.clock.mode);
      endResponse(errorResponse(401, message, "UNAUTHENTICATED", { "www-authenticate": "Bearer" }));
    },
  };
}

/** Why a request's credentials were refused, in words that say what to send instead. */
function refusal(header: string | null, bearer: string | undefined, mode: ClockMode): string {
  if (!header?.trim()) return "missing Authorization: Bearer <API key or customer token> header";
  if (bearer === undefined)
    return "the Authorization header must use the Bearer scheme: Authorization: Bearer <API key or customer token>";
  if (isTokenShaped(bearer)) return "the customer token is not valid (malformed, tampered with, revoked or expired)";
  const other = prefixFor(mode === "real" ? "test" : "real");
  if (bearer.startsWith(other))
    return `a ${other} key does not work against a ${mode === "real" ? "real-clock (live)" : "test-clock"} deployment`;
  return "the API key is not valid";
}

export function errorResponse(
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
) {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
