/**
 * The audit log: one structured JSON line per executed mutation field, e.g.
 *
 *   {"level":"info","msg":"audit","caller":"key_4f…","operation":"revokeApiKey","targets":["key_9a…"],"outcome":"OK"}
 *
 * `caller` is the key id, `bootstrap` or `customer:<id>`; `targets` are the ID-typed argument
 * values (customer, plan, invoice, key IDs, idempotency keys), plus the created key's id for
 * createApiKey; `outcome` is OK or the error code the client got. Never a secret, a token or a name.
 * Requests refused before execution (no valid credentials at the edge, an invalid document, a
 * limit) run no mutation and write no audit line; input-bounds refusals do (outcome BAD_USER_INPUT).
 */
import {
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLError,
  type GraphQLInputType,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { callerOf, type Principal } from "../../core/auth/principal";
import { errorCodeOf } from "../errors";
import { inputFields, rootFieldsOf, type RootField } from "./root-fields";

export type AuditEntry = {
  level: "info";
  msg: "audit";
  caller: string;
  operation: string;
  targets: string[];
  outcome: string;
};
export type AuditLog = (entry: AuditEntry) => void;

export const consoleAuditLog: AuditLog = (entry) => console.log(JSON.stringify(entry));

/** At most this many targets per line (a batch of 100 events names up to 200 IDs). */
const MAX_TARGETS = 50;

export function audit(log: AuditLog): Plugin<{ principal?: Principal }> {
  return {
    onExecute({ args }) {
      const selection = rootFieldsOf(args);
      if (selection?.operation !== "mutation") return;
      const principal = (args.contextValue as { principal?: Principal }).principal;
      const caller = principal ? callerOf(principal) : "anonymous";
      return {
        onExecuteDone({ result }) {
          if (!("errors" in result) && !("data" in result)) return; // a stream: mutations never are
          const errors = (result.errors ?? []) as readonly GraphQLError[];
          const data = (result.data ?? {}) as Record<string, unknown>;
          for (const field of selection.fields) {
            const error = errors.find((e) => e.path?.[0] === field.responseKey) ?? errors.find((e) => !e.path);
            log({
              level: "info",
              msg: "audit",
              caller,
              operation: field.name,
              targets: targetsOf(field, data[field.responseKey]),
              outcome: error ? errorCodeOf(error) : "OK",
            });
          }
        },
      };
    },
  };
}

function targetsOf(field: RootField, result: unknown): string[] {
  const ids = new Set<string>();
  for (const arg of field.def.args) collectIds(arg.type, field.args?.[arg.name], ids);
  const created = (result as { key?: { id?: unknown } } | null)?.key?.id;
  if (field.name === "createApiKey" && typeof created === "string") ids.add(created);
  return [...ids].slice(0, MAX_TARGETS);
}

function collectIds(type: GraphQLInputType, value: unknown, ids: Set<string>): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) {
    collectIds(type.ofType, value, ids);
    return;
  }
  if (isListType(type)) {
    for (const item of Array.isArray(value) ? value : [value]) collectIds(type.ofType, item, ids);
    return;
  }
  if (isInputObjectType(type)) {
    for (const [name, field] of inputFields(type))
      collectIds(field.type, (value as Record<string, unknown>)[name], ids);
    return;
  }
  if (isScalarType(type) && type.name === "ID" && typeof value === "string") ids.add(value);
}
