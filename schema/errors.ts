/**
 * The one place errors become GraphQL errors. A DomainError keeps its message and gets its code
 * in `extensions.code`; errors graphql-js raised about the request itself (unknown fields, bad
 * variables) are BAD_USER_INPUT; anything else is unexpected and masked, so no stack trace, table
 * name or AWS message reaches a client. Masked errors are logged server-side.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Principal } from "../core/auth/principal";
import { DomainError, isDomainError } from "../core/errors";

export const UNEXPECTED_MESSAGE = "Unexpected error.";

/**
 * A scope-auth refusal (schema/auth.ts): FORBIDDEN for a known caller, UNAUTHENTICATED without
 * one (requests without valid credentials are normally stopped at the edge, schema/plugins/auth.ts).
 */
export function authError(principal: Principal | undefined): DomainError {
  return principal
    ? new DomainError("FORBIDDEN", "these credentials may not use this field")
    : new DomainError("UNAUTHENTICATED", "authentication required");
}

/**
 * graphql-yoga's own request errors use codes outside our set: they are the client's mistakes
 * (batching off, invalid JSON, a body over the limit, a query GraphQL refuses), so BAD_USER_INPUT.
 */
const REQUEST_ERRORS: Record<string, { code: string; limit?: string }> = {
  BAD_REQUEST: { code: "BAD_USER_INPUT" },
  GRAPHQL_PARSE_FAILED: { code: "BAD_USER_INPUT" },
  GRAPHQL_VALIDATION_FAILED: { code: "BAD_USER_INPUT" },
  OPERATION_RESOLUTION_FAILURE: { code: "BAD_USER_INPUT" },
  REQUEST_ENTITY_TOO_LARGE: { code: "BAD_USER_INPUT", limit: "bodySize" },
};

/** The `extensions.code` maskError gives an error, without logging anything: for the audit log. */
export function errorCodeOf(error: GraphQLError): string {
  const original = error.originalError ?? undefined;
  if (original?.name === "ForbiddenError") return "FORBIDDEN";
  if (isDomainError(original)) return original.code;
  if (original && !(original instanceof GraphQLError)) return "INTERNAL_SERVER_ERROR";
  const given = ((original as GraphQLError | undefined) ?? error).extensions?.code as string | undefined;
  return given ? (REQUEST_ERRORS[given]?.code ?? given) : "BAD_USER_INPUT";
}

export function maskError(error: unknown): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  if (original instanceof Error && original.name === "ForbiddenError") {
    // Pothos scope-auth's own error, should one ever escape authError above.
    return new GraphQLError(original.message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { code: "FORBIDDEN" },
    });
  }
  if (isDomainError(original)) {
    return new GraphQLError(original.message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { code: original.code },
    });
  }
  if (graphqlError && (!original || original instanceof GraphQLError)) {
    const source = (original as GraphQLError | undefined) ?? graphqlError;
    const given = source.extensions?.code as string | undefined;
    const mapped = given ? (REQUEST_ERRORS[given] ?? { code: given }) : { code: "BAD_USER_INPUT" };
    // Yoga attaches the JSON parser's own error (its message quotes the body) as originalError,
    // and keys its HTTP 400 (instead of the spec's 200 for application/json) on that: without it,
    // the status must not be "spec" either, or a malformed body would be answered 200.
    const { originalError, ...extensions } = graphqlError.extensions as Record<string, unknown>;
    const http = extensions.http as { spec?: boolean } | undefined;
    if (originalError && http?.spec) extensions.http = { ...http, spec: false };
    return new GraphQLError(graphqlError.message, {
      nodes: graphqlError.nodes,
      path: graphqlError.path,
      extensions: { ...extensions, ...mapped },
    });
  }
  console.error(
    JSON.stringify({ level: "error", msg: "unexpected error", error: String((original as Error)?.stack ?? original) }),
  );
  return new GraphQLError(UNEXPECTED_MESSAGE, {
    nodes: graphqlError?.nodes,
    path: graphqlError?.path,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  });
}

/**
 * Validation errors (an unknown field, a literal of the wrong type, disabled introspection) never
 * pass through maskError, and yoga tags them GRAPHQL_VALIDATION_FAILED: they become BAD_USER_INPUT.
 */
export function validationErrorCodes(): Plugin {
  return {
    onValidate:
      () =>
      ({ result }) => {
        for (const error of result) {
          const extensions = error.extensions as Record<string, unknown>;
          if (!extensions.code || extensions.code === "GRAPHQL_VALIDATION_FAILED") extensions.code = "BAD_USER_INPUT";
        }
      },
  };
}
