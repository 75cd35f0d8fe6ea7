/**
 * The HTTP edge before authentication: the Host check, CORS, and the headers every response
 * carries.
 *
 * - **Host**: when the server knows its host names (the local server does), a request for any
 *   other `Host` is refused with 421 before anything else: a web page that rebinds its own DNS
 *   name to 127.0.0.1 cannot talk to the local API (DNS rebinding). Behind API Gateway the host is
 *   the gateway's, so the Lambda does not check it.
 * - **CORS**: only the configured origins get `Access-Control-Allow-Origin` (their own origin,
 *   never `*`, never `null`), with the Authorization and Content-Type headers and without cookies;
 *   any other origin gets no CORS header at all. `Vary: Origin` is always sent, so no cache serves
 *   one origin's answer to another. Preflights (OPTIONS) are answered here, 204, credential-free.
 * - **Every response**: `Cache-Control: no-store` (answers hold balances and invoices), no
 *   sniffing, and no framing (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`; the GraphiQL
 *   page sets its own CSP, plugins/graphiql.ts).
 */
import type { Plugin } from "graphql-yoga";
import { errorResponse } from "./auth";
import { REQUEST_ID_HEADER } from "./request-id";

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function httpHeaders(options: { corsOrigins: string[]; allowedHosts?: string[] }): Plugin {
  const origins = new Set(options.corsOrigins);
  const hosts = options.allowedHosts && new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (hosts && !hosts.has(hostnameOf(request.headers.get("host")))) {
        return endResponse(errorResponse(421, "this server does not answer for that host name", "BAD_USER_INPUT"));
      }
      if (request.method === "OPTIONS") endResponse(new fetchAPI.Response(null, { status: 204 }));
    },
    onResponse({ request, response }) {
      const headers = response.headers;
      const origin = request.headers.get("origin");
      if (origin && origins.has(origin)) {
        headers.set("access-control-allow-origin", origin);
        headers.set("access-control-allow-methods", "GET, POST");
        headers.set("access-control-allow-headers", "authorization, content-type");
        headers.set("access-control-expose-headers", `retry-after, ${REQUEST_ID_HEADER}`);
        headers.set("access-control-max-age", "600");
      }
      headers.set("vary", "Origin");
      headers.set("cache-control", "no-store");
      headers.set("x-content-type-options", "nosniff");
      headers.set("x-frame-options", "DENY");
      if (!headers.has("content-security-policy")) headers.set("content-security-policy", API_CSP);
    },
  };
}

/** The host name of a Host header, lower case, without its port (`[::1]:4000` -> `[::1]`). */
function hostnameOf(host: string | null): string {
  const value = (host ?? "").trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.indexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}
