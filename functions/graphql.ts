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
 *
 * Requests and responses are schema/http/light-fetch.ts's classes, not Node's own: built straight
 * from the event and read straight into the result (Node's Request, Response and Headers cost
 * about 35 us of CPU more per request, the @whatwg-node ponyfill, which the bundle leaves out,
 * about 10 us more).
 */
import { LightRequest, lightFetchAPI, readResponse } from "../schema/http/light-fetch";
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
  // The adapter below builds one LightRequest per event and reads one LightResponse; the bundle
  // carries no @whatwg-node ponyfill (stacks/bundle-plugins.mjs), so tests run what Lambda runs.
  fetchAPI: lightFetchAPI,
});

/**
 * Yoga's request handler, called without a server context: given one, yoga's adapter copies it
 * into a fresh object per request (getters and all), which made every request about 10 us dearer.
 */
const handle = yoga.handleRequest as (request: Request) => Promise<Response>;

export async function handler(event: HttpApiEvent): Promise<HttpApiResult> {
  const method = event.requestContext.http.method;
  const eventHeaders = event.headers ?? {};
  const host = eventHeaders.host ?? event.requestContext.domainName ?? "localhost";
  const url = `https://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`;
  const body =
    event.body && method !== "GET" && method !== "HEAD"
      ? event.isBase64Encoded
        ? Buffer.from(event.body, "base64")
        : event.body
      : undefined;
  const request = new LightRequest(url, { method, headers: eventHeaders, body: body ?? null });
  if (body !== undefined)
    request.headers.set("content-length", String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength));
  else request.headers.delete("content-length");
  const response = await readResponse(await handle(request as unknown as Request));
  return {
    statusCode: response.status,
    headers: singleValued(response.headers),
    body: response.body,
    isBase64Encoded: false,
  };
}

/** API Gateway's `headers` map holds one value per name: repeated Set-Cookie values are joined as Node's Headers join them. */
function singleValued(headers: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name]!;
    out[name] = typeof value === "string" ? value : value.join(", ");
  }
  return out;
}
