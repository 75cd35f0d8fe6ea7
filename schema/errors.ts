/**
 * The one place errors become GraphQL errors. A DomainError keeps its message and gets its code
 * in `extensions.code`; errors graphql-js raised about the request itself (unknown fields, bad
 * variables) are BAD_USER_INPUT; anything else is unexpected and masked, so no stack trace, table
 * name or AWS message reaches a client. Masked errors are logged server-side.
 */
import { GraphQLError } from "graphql";
import { isDomainError } from "../core/errors";

export const UNEXPECTED_MESSAGE = "Unexpected error.";

export function maskError(error: unknown): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  if (isDomainError(original)) {
    return new GraphQLError(original.message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { code: original.code },
    });
  }
  if (graphqlError && (!original || original instanceof GraphQLError)) {
    const source = (original as GraphQLError | undefined) ?? graphqlError;
    const code = (source.extensions?.code as string | undefined) ?? "BAD_USER_INPUT";
    return new GraphQLError(graphqlError.message, {
      nodes: graphqlError.nodes,
      path: graphqlError.path,
      extensions: { ...graphqlError.extensions, code },
    });
  }
  console.error(JSON.stringify({ level: "error", msg: "unexpected error", error: String((original as Error)?.stack ?? original) }));
  return new GraphQLError(UNEXPECTED_MESSAGE, {
    nodes: graphqlError?.nodes,
    path: graphqlError?.path,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  });
}
