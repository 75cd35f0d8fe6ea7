/**
 * Authentication at the edge, before anything is parsed: every GraphQL request needs
 * `Authorization: Bearer <credential>`, where the credential is the bootstrap key, a stored API
 * key or a customer token (core/auth/principal.ts). Without a valid one the answer is HTTP 401
 * UNAUTHENTICATED and nothing runs. Credentials are read from this header only, never from the URL.
 *
 * Exceptions that run nothing: the GraphiQL page (only when GraphiQL is on: yoga then answers every
 * GET that accepts text/html with the page; with it off, such a GET would execute its `query`) and
 * CORS preflights (OPTIONS), which browsers send without credentials and yoga's CORS handling answers.
 */
import type { Plugin } from "graphql-yoga";
import { isTokenShaped } from "../../core/auth/customer-tokens";
import { authenticate, type Credentials, type Principal } from "../../core/auth/principal";
import type { Deps } from "../../core/deps";

const principals = new WeakMap<Request, Principal>();

/** The caller bearerAuth authenticated for this request. */
export const principalOf = (request: Request): Principal | undefined => principals.get(request);

export function bearerAuth(deps: Deps, credentials: Credentials, graphiql: boolean): Plugin {
  return {
    async onRequest({ request, endResponse }) {
      if (request.method === "OPTIONS") return;
      const isGraphiqlPage =
        graphiql && request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html");
      if (isGraphiqlPage) return;
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
      const message = !match
        ? "missing Authorization: Bearer <API key or customer token> header"
        : isTokenShaped(match[1]!.trim())
          ? "the customer token is not valid (malformed, tampered with or expired)"
          : "the API key is not valid";
      endResponse(errorResponse(401, message, "UNAUTHENTICATED", { "www-authenticate": "Bearer" }));
    },
  };
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
