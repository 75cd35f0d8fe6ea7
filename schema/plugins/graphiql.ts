/**
 * GraphiQL, for test-mode local servers only (schema/yoga.ts never serves it with a real clock):
 * a GET of the endpoint that accepts text/html gets the page, with every script, style, font and
 * worker inline (the renderer, e.g. @graphql-yoga/render-graphiql's, is injected by the local
 * server, so the Lambda bundle never carries its 9 MB), and a Content-Security-Policy that lets it
 * talk only to this server: no CDN, no third party, no framing.
 *
 * The page holds no key: its header editor starts with a placeholder where the developer pastes
 * the key `npm start` printed, and headers are not persisted in the browser. A page that cannot
 * read the key cannot leak it (to a rebinding attacker, an extension, a screenshot).
 */
import type { GraphiQLOptions, Plugin } from "graphql-yoga";

export type GraphiqlRenderer = (options: GraphiQLOptions) => string;

export const PASTE_KEY_HEADERS = JSON.stringify({ Authorization: "Bearer <paste your API key here>" }, null, 2);

/** Inline scripts, styles and data: fonts; workers from blob: URLs; requests to this origin only. */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src data:",
  "worker-src blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

export function graphiqlPage(render: GraphiqlRenderer, endpoint: string): Plugin {
  let page: string | undefined; // the same for every request: rendered once
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const wantsPage = request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html");
      if (!wantsPage || url.pathname.replace(/\/$/, "") !== endpoint) return;
      page ??= render({
        title: "Billing API",
        endpoint,
        headers: PASTE_KEY_HEADERS,
        shouldPersistHeaders: false,
        defaultQuery: "# Paste your API key into the Headers tab below, then run:\n{ now plans { code name } }\n",
      });
      endResponse(
        new fetchAPI.Response(page, {
          status: 200,
          headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": GRAPHIQL_CSP },
        }),
      );
    },
  };
}
