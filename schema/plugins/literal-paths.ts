/**
 * A bad scalar written in the query text (`trackUsage(input: { value: " 5" })`) is refused by
 * GraphQL validation, whose message names the type but not the field. This names the field by its
 * path, the way core names fields (`input.value must be a decimal number, got " 5"`), so a message
 * reads the same whether the value came as a literal or in variables (where GraphQL itself says
 * `at "i.value"`). Only errors of our own scalars (ScalarInputError) are rewritten.
 */
import { BREAK, GraphQLError, Kind, visit, type ASTNode, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";

/** What a scalar's parseLiteral throws: a predicate ("must be a decimal number"), the path goes in front. */
export class ScalarInputError extends Error {
  override name = "ScalarInputError";
}

export function literalPaths(): Plugin {
  return {
    onValidate:
      ({ params }) =>
      ({ result, setResult }) => {
        if (!result.some((e) => e instanceof GraphQLError && e.originalError instanceof ScalarInputError)) return;
        setResult(
          result.map((error) => {
            if (!(error instanceof GraphQLError) || !(error.originalError instanceof ScalarInputError)) return error;
            const node = error.nodes?.[0];
            const path = node && pathOf(params.documentAST, node);
            return new GraphQLError(`${path ?? "a value"} ${error.originalError.message}`, {
              nodes: error.nodes,
              extensions: { code: "BAD_USER_INPUT" },
            });
          }),
        );
      },
  };
}

/** `input.features[0].overagePrice`: the argument, object fields and list positions down to `target`. */
function pathOf(document: DocumentNode, target: ASTNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    enter(node, _key, _parent, path) {
      if (node !== target) return undefined;
      let at: unknown = document;
      let text = "";
      let listIndex = false;
      for (const key of path) {
        if (listIndex) text += `[${String(key)}]`;
        listIndex = isNode(at) && at.kind === Kind.LIST && key === "values";
        at = (at as Record<string | number, unknown>)[key];
        if (isNode(at) && (at.kind === Kind.ARGUMENT || at.kind === Kind.OBJECT_FIELD))
          text += `${text ? "." : ""}${at.name.value}`;
      }
      found = text || undefined;
      return BREAK;
    },
  });
  return found;
}

const isNode = (value: unknown): value is ASTNode =>
  typeof value === "object" && value !== null && "kind" in value && typeof value.kind === "string";
