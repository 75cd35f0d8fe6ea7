/**
 * Request limits, so one request cannot exhaust the function: body size (yoga's
 * `maxRequestBodySize`, which also counts chunked bodies as they arrive), tokens at parse time
 * (graphql-js's own `maxTokens`), then depth, aliases and cost at validation time (graphql-armor). In production (real clock)
 * introspection is disabled and field suggestions ("Did you mean ...?") are removed from errors.
 * Batching (several operations in one HTTP request) stays off, yoga's default.
 *
 * A violation is refused before anything executes, as a GraphQL error with code BAD_USER_INPUT
 * and `extensions.limit` naming the limit: bodySize (HTTP 413), tokens, depth, aliases, cost.
 */
import { blockFieldSuggestionsPlugin } from "@escape.tech/graphql-armor-block-field-suggestions";
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { GraphQLError, parse } from "graphql";
import type { Plugin } from "graphql-yoga";

export type Limits = {
  /** Bytes of request body (a batch of 100 events with small properties is ~30 KB). */
  maxBodyBytes: number;
  /** Lexical tokens of the query document (variables are not counted). */
  maxTokens: number;
  /** Nesting of selections; the deepest query the API needs is 6 (customer.subscription.plan.features.feature.code). */
  maxDepth: number;
  /** Aliased fields per operation. */
  maxAliases: number;
  /**
   * graphql-armor's cost: objects 2, scalars 1, multiplied by 1.5 per level of depth. A customer's
   * complete view (subscription, wallet, usage, entitlements, events, invoices) costs about 5,900.
   */
  maxCost: number;
};

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 1_048_576,
  maxTokens: 5_000,
  maxDepth: 10,
  maxAliases: 30,
  maxCost: 15_000,
};

export const limitError = (limit: string, message: string) =>
  new GraphQLError(message.replace(/^Syntax Error: /, ""), { extensions: { code: "BAD_USER_INPUT", limit } });

const rejectAs = (limit: string) => [
  (_context: unknown, error: GraphQLError) => {
    throw limitError(limit, error.message);
  },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plugins of differing context types, as yoga takes them
export function limitPlugins(limits: Limits, production: boolean): Plugin<any>[] {
  return [
    maxTokens(limits.maxTokens),
    maxDepthPlugin({ n: limits.maxDepth, onReject: rejectAs("depth") }),
    maxAliasesPlugin({ n: limits.maxAliases, onReject: rejectAs("aliases") }),
    costLimitPlugin({ maxCost: limits.maxCost, onReject: rejectAs("cost") }),
    ...(production ? [useDisableIntrospection(), blockFieldSuggestionsPlugin()] : []),
  ];
}

/**
 * graphql-js stops lexing past `maxTokens` itself. (graphql-armor's max-tokens plugin would do the
 * same through graphql's CommonJS parser, a second copy of graphql in the ESM Lambda bundle.)
 */
function maxTokens(n: number): Plugin {
  const parseWithLimit: typeof parse = (source, options) => {
    try {
      return parse(source, { ...options, maxTokens: n });
    } catch (error) {
      if (error instanceof GraphQLError && /contains more tha[nt] \d+ tokens/.test(error.message)) {
        throw limitError("tokens", `Token limit of ${n} exceeded.`);
      }
      throw error;
    }
  };
  return { onParse: ({ setParseFn }) => setParseFn(parseWithLimit) };
}
