/**
 * The GraphQL Lambda: API Gateway HTTP API (payload v2) events in, yoga's responses out. Yoga,
 * the schema and the clients are built once per container, at module scope, after the secrets are
 * read (from SSM when the stage keeps them there): a missing or short secret fails the cold start.
 * No GraphiQL here, on test stages either: its page (9 MB with its assets inline, as
 * plugins/graphiql.ts requires) is bigger than a Lambda response may be; point any GraphQL client
 * at the stage, with a key.
 *
 * The body arrives whole in the event, so its real size is known: the request's Content-Length is
 * set to it (the forwarded header is the client's claim, which the body limit must not trust).
 */
import { createBillingYoga } from "../schema/yoga";
import { loadConfig, withSecureParameters } from "./config";
import { depsFromConfig } from "./deps";

/** The parts of an API Gateway HTTP API v2 event this adapter reads. */
export type HttpApiEvent = {
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string }; domainName?: string };
};
export type HttpApiResult = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
};

const config = loadConfig(await withSecureParameters());
const yoga = createBillingYoga({
  deps: depsFromConfig(config),
  apiKey: config.apiKey,
  signingSecret: config.signingSecret,
  corsOrigins: config.corsOrigins,
  ...(config.portalUrl ? { portalUrl: config.portalUrl } : {}),
  // Node's own classes: the adapter below builds one Request per event and reads one Response,
  // and the bundle carries no ponyfill (stacks/bundle-plugins.mjs), so tests run what Lambda runs.
  fetchAPI: { fetch, Request, Response, Headers, ReadableStream, FormData, Blob, URL, URLSearchParams },
});

export async function handler(event: HttpApiEvent): Promise<HttpApiResult> {
  const method = event.requestContext.http.method;
  const host = event.headers?.host ?? event.requestContext.domainName ?? "localhost";
  const url = `https://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  const body =
    event.body && method !== "GET" && method !== "HEAD"
      ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
      : undefined;
  if (body) headers.set("content-length", String(body.byteLength));
  else headers.delete("content-length");
  const response = await yoga.fetch(url, { method, headers, body });
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: await response.text(),
    isBase64Encoded: false,
  };
}
