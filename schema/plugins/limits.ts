/**
 * Request limits, so one request cannot exhaust the function: body size (by its Content-Length,
 * and counted as it arrives when it has none: maxBodySize below), tokens and nesting at parse time
 * (graphql-js's own `maxTokens`), depth at validation time (graphql-armor), then, per caller,
 * aliases, a list-aware cost and the usage events per request (plugins/operation-limits.ts). In
 * production (real clock) introspection is disabled and field suggestions ("Did you mean ...?")
 * are removed from errors. Batching (several operations in one HTTP request) stays off, yoga's
 * default. The request rate per caller is plugins/rate-limit.ts's.
 *
 * A violation is refused before anything executes, as a GraphQL error with code BAD_USER_INPUT
 * and `extensions.limit` naming the limit: bodySize (HTTP 413), tokens, depth, aliases, cost,
 * events, batches.
 */
import { blockFieldSuggestionsPlugin } from "@escape.tech/graphql-armor-block-field-suggestions";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { GraphQLError, parse } from "graphql";
import { createGraphQLError, type Plugin } from "graphql-yoga";
import { operationLimits } from "./operation-limits";
import type { Rate } from "./rate-limit";

export type Limits = {
  /** Bytes of request body (a batch of 100 events with small properties is ~30 KB). */
  maxBodyBytes: number;
  /** Lexical tokens of the query document (variables are not counted). */
  maxTokens: number;
  /** Nesting of selections; the deepest query the API needs is 6 (customer.subscription.plan.features.feature.code). */
  maxDepth: number;
  /** Aliased fields per operation, for API keys. */
  maxAliases: number;
  /**
   * The list-aware cost (plugins/cost.ts: leaves 1, JSON 10, objects 2, and `first` x (a read,
   * 10, plus what is selected) for a paginated field), for API keys. A customer's complete view
   * with 100 events and 100 invoices, every field selected, costs about 5,900.
   */
  maxCost: number;
  /** The same two for customer tokens: a browser needs one view of one customer per request. */
  customerMaxAliases: number;
  customerMaxCost: number;
  /** Usage events per request across all fields and aliases (a trackUsageBatch counts its inputs). */
  maxEventsPerRequest: number;
  /** Requests per second per API key (the bootstrap key included) in one process. */
  apiKeyRate: Rate;
  /** Requests per second per customer (all its tokens together) in one process. */
  customerRate: Rate;
};

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 1_048_576,
  maxTokens: 5_000,
  maxDepth: 10,
  maxAliases: 30,
  maxCost: 15_000,
  customerMaxAliases: 10,
  customerMaxCost: 6_000,
  maxEventsPerRequest: 100,
  apiKeyRate: { perSecond: 5_000, burst: 10_000 },
  customerRate: { perSecond: 20, burst: 100 },
};

export const limitError = (limit: string, message: string) =>
  new GraphQLError(message.replace(/^Syntax Error: /, ""), { extensions: { code: "BAD_USER_INPUT", limit } });

const rejectAs = (limit: string) => [
  (_context: unknown, error: GraphQLError) => {
    throw limitError(limit, error.message);
  },
];

// biome-ignore lint/suspicious/noExplicitAny: plugins of differing context types, as yoga takes them
export function limitPlugins(limits: Limits, production: boolean): Plugin<any>[] {
  return [
    maxBodySize(limits.maxBodyBytes),
    maxTokens(limits.maxTokens),
    maxDepthPlugin({ n: limits.maxDepth, onReject: rejectAs("depth") }),
    operationLimits(limits),
    ...(production ? [useDisableIntrospection(), blockFieldSuggestionsPlugin()] : []),
  ];
}

/**
 * graphql-js stops lexing past `maxTokens` itself. (graphql-armor's max-tokens plugin would do the
 * same through graphql's CommonJS parser, a second copy of graphql in the ESM Lambda bundle.)
 * The parser recurses into nested values: a literal nested thousands of levels deep (within the
 * token limit) overflows the stack, which is the client's doing, so it is the depth limit's answer.
 */
function maxTokens(n: number): Plugin {
  const parseWithLimit: typeof parse = (source, options) => {
    try {
      return parse(source, { ...options, maxTokens: n });
    } catch (error) {
      if (error instanceof GraphQLError && /contains more tha[nt] \d+ tokens/.test(error.message)) {
        throw limitError("tokens", `Token limit of ${n} exceeded.`);
      }
      if (error instanceof RangeError) throw limitError("depth", "The document is nested too deeply.");
      throw error;
    }
  };
  return { onParse: ({ setParseFn }) => setParseFn(parseWithLimit) };
}

const bodyTooLarge = () =>
  createGraphQLError("Request body too large", {
    extensions: { http: { status: 413 }, code: "REQUEST_ENTITY_TOO_LARGE" },
  });

/**
 * The body limit, with yoga's own errors (its `maxRequestBodySize` is turned off in schema/yoga.ts).
 * A body with a Content-Length is judged by it, before anything is read: HTTP framing delivers
 * exactly that many bytes (Node's parser reads the rest of the connection as the next request;
 * API Gateway does the same before the Lambda), so the body needs no counting. Only a body
 * without one (chunked) is counted as it arrives, and refused once over the limit. Yoga counts
 * every body, through a TransformStream and a copy of the request: about 7% of the CPU of a
 * trackUsage.
 */
function maxBodySize(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get("content-length");
      if (contentLength !== null) {
        // One non-negative integer only (not "1, 1", as in request smuggling), as yoga checks.
        if (!/^\d+$/.test(contentLength)) {
          throw createGraphQLError("Content-Length header is invalid.", {
            extensions: { http: { status: 400 }, code: "BAD_REQUEST" },
          });
        }
        if (Number(contentLength) > limit) throw bodyTooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parser = requestParser;
      setRequestParser((req) => parser(countedBody(req, limit, fetchAPI)));
    },
  };
}

/** The request with a body that fails once more than `limit` bytes have arrived (yoga's way). */
function countedBody(
  request: Request,
  limit: number,
  fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream },
): Request {
  let bytes = 0;
  // A native body stream needs the native TransformStream, a ponyfill one the ponyfill's (as in yoga).
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) return controller.error(bodyTooLarge());
        controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body,
    duplex: "half",
  } as RequestInit);
}
