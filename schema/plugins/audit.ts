/**
 * The audit log: one structured JSON line per executed mutation field, e.g.
 *
 *   {"level":"info","msg":"audit","caller":"key_4f…","operation":"topUpBalance","targets":["acme","t-1"],"outcome":"OK","details":{"amount":"25.00"}}
 *
 * `caller` is the key id, `bootstrap`, `customer:<id>` or `portal:<id>` (a portal session's token); `targets` are the ID-typed argument
 * values (customer, plan, pack, invoice, key IDs, idempotency keys), plus the created key's id for
 * createApiKey; `outcome` is OK or the error code the client got; `details` holds the field's
 * other top-level arguments that are amounts, quantities, codes or flags (Money, Decimal, enums,
 * Int, Boolean, DateTime: e.g. a top-up's amount, a plan change's timing), never free text; a
 * trackUsageBatch adds `outcomes`, how many of its elements ended in each code.
 *
 * Never a secret, a token or a name: a target shaped like an API key (`bk_...`), a webhook secret
 * (`whsec_...`), a JWT, a bearer header or the bootstrap key itself (a secret pasted where an id
 * goes) is written as `[redacted]`.
 * Requests refused before execution (no valid credentials at the edge, an invalid document, a
 * limit) run no mutation and write no audit line; input-bounds refusals do (outcome BAD_USER_INPUT).
 */
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLError,
  type GraphQLInputType,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { callerOf, type Principal } from "../../core/auth/principal";
import { formatDecimal, formatMoney } from "../../core/money";
import { looksLikeWebhookSecret } from "../../core/webhooks/secrets";
import { errorCodeOf } from "../errors";
import { inputFields, rootFieldsOf, type RootField } from "./root-fields";

export type AuditEntry = {
  level: "info";
  msg: "audit";
  caller: string;
  operation: string;
  targets: string[];
  outcome: string;
  details?: Record<string, string | number | boolean>;
  outcomes?: Record<string, number>;
};
export type AuditLog = (entry: AuditEntry) => void;

export const consoleAuditLog: AuditLog = (entry) => console.log(JSON.stringify(entry));

/** At most this many targets per line (a batch of 100 events names up to 200 IDs). */
const MAX_TARGETS = 50;
const REDACTED = "[redacted]";
/** Scalars whose values are amounts, codes or flags, never free text. */
const DETAIL_SCALARS = new Set(["Money", "Decimal", "Int", "Boolean", "DateTime"]);

/** What resolvers add to their field's audit line (by response key), kept per request context. */
const notes = new WeakMap<object, Map<string, Partial<AuditEntry>>>();

/** Adds `note` to the audit line of the field at `responseKey` of this request. */
export function noteForAudit(context: object, responseKey: string, note: Partial<AuditEntry>): void {
  const byKey = notes.get(context) ?? new Map<string, Partial<AuditEntry>>();
  notes.set(context, byKey);
  byKey.set(responseKey, { ...byKey.get(responseKey), ...note });
}

/** How many elements of a batch ended in each outcome: `{ OK: 98, INSUFFICIENT_CREDITS: 2 }`. */
export function outcomeCounts(results: readonly ({ ok: true } | { ok: false; errorCode: string })[]) {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const code = r.ok ? "OK" : r.errorCode;
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

export function audit(log: AuditLog, secrets: { bootstrapKey: string }): Plugin<{ principal?: Principal }> {
  const redact = (id: string) => (looksSecret(id, secrets.bootstrapKey) ? REDACTED : id);
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
          const noted = notes.get(args.contextValue as object);
          for (const field of selection.fields) {
            const error = errors.find((e) => e.path?.[0] === field.responseKey) ?? errors.find((e) => !e.path);
            const details = detailsOf(field);
            log({
              level: "info",
              msg: "audit",
              caller,
              operation: field.name,
              targets: targetsOf(field, data[field.responseKey]).map(redact),
              outcome: error ? errorCodeOf(error) : "OK",
              ...(details ? { details } : {}),
              ...noted?.get(field.responseKey),
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

/** The field's top-level amounts, codes and flags, as the client sent them (coerced). */
function detailsOf(field: RootField): AuditEntry["details"] {
  const details: NonNullable<AuditEntry["details"]> = {};
  for (const arg of field.def.args) {
    const value = field.args?.[arg.name];
    if (value === undefined || value === null) continue;
    const type = isNonNullType(arg.type) ? arg.type.ofType : arg.type;
    let shown: string | number | boolean | undefined;
    if (isEnumType(type)) shown = String(value);
    else if (isScalarType(type) && DETAIL_SCALARS.has(type.name)) {
      if (typeof value === "bigint") shown = type.name === "Money" ? formatMoney(value) : formatDecimal(value);
      else if (value instanceof Date) shown = value.toISOString();
      else if (typeof value === "number" || typeof value === "boolean") shown = value;
    }
    if (shown !== undefined) details[arg.name] = shown;
  }
  return Object.keys(details).length ? details : undefined;
}

/** Shaped like a credential: an API key, a webhook secret, a JWT, a bearer header, or the bootstrap key itself. */
function looksSecret(value: string, bootstrapKey: string): boolean {
  return (
    /^bk_[a-z]+_/i.test(value) ||
    looksLikeWebhookSecret(value) ||
    /^bearer\s/i.test(value) ||
    /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value) ||
    value === bootstrapKey ||
    (bootstrapKey.length >= 16 && value.includes(bootstrapKey))
  );
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
