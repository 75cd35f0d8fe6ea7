/**
 * Length bounds at the edge, for every argument of every root field, by its GraphQL type, so no
 * resolver ever sees an oversized string: an ID is at most 256 characters, a String at most 1,024.
 * The finer rules stay in core, where they answer per element of a batch: IDs are checked against
 * the safe character set by core/validation.ts's IdSchema (1 to 128 of letters, digits and
 * `_ - . : @ | + / =`) in every operation that reads or writes a key, and AI model IDs (`provider/model`)
 * by MODEL_ID_PATTERN; names are at most 200 characters, units 50; JSON values (metadata,
 * properties) at most 8 KB and 5 levels deep (JsonSchema).
 * A violation refuses the whole operation with BAD_USER_INPUT before any resolver runs.
 */
import {
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { inputFields, rootFieldsOf } from "./root-fields";

export const MAX_ID_LENGTH = 256;
export const MAX_STRING_LENGTH = 1024;

export function inputBounds(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const selection = rootFieldsOf(args);
      for (const field of selection?.fields ?? []) {
        if (!field.args) continue;
        for (const arg of field.def.args) {
          const problem = check(arg.type, field.args[arg.name], arg.name);
          if (problem) {
            setResultAndStopExecution({
              errors: [new GraphQLError(`${field.name}: ${problem}`, { extensions: { code: "BAD_USER_INPUT" } })],
            });
            return;
          }
        }
      }
    },
  };
}

function check(type: GraphQLInputType, value: unknown, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (isNonNullType(type)) return check(type.ofType, value, path);
  if (isListType(type)) {
    if (!Array.isArray(value)) return check(type.ofType, value, path);
    for (let i = 0; i < value.length; i++) {
      const problem = check(type.ofType, value[i], `${path}.${i}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isInputObjectType(type)) {
    for (const [name, field] of inputFields(type)) {
      const problem = check(field.type, (value as Record<string, unknown>)[name], `${path}.${name}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isScalarType(type) && type.name === "ID" && typeof value === "string" && value.length > MAX_ID_LENGTH) {
    return `${path} must be at most ${MAX_ID_LENGTH} characters`;
  }
  if (isScalarType(type) && type.name === "String" && typeof value === "string" && value.length > MAX_STRING_LENGTH) {
    return `${path} must be at most ${MAX_STRING_LENGTH} characters`;
  }
  return undefined;
}
