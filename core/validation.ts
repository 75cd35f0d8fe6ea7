/**
 * Shape checks at the edge of core: IDs limited to a safe character set (so no input can forge a
 * key separator), bounded strings, and one way to turn a zod failure into BAD_USER_INPUT.
 *
 * The ID rule, one for every ID a client chooses (customer ids, idempotency keys, feature, plan
 * and pack codes): 1 to 128 characters of letters, digits and `_ - . : @ | + / =`. That admits
 * the ids other systems hand out (Auth0's `auth0|64f...`, base64 and base64url ids, e-mail-like
 * and URN-like ids) and never `#`, the separator of every key in the table (core/db/keys.ts
 * refuses to build a key from a part holding one), nor whitespace or control characters.
 */
import * as z from "./zod";
import { DomainError } from "./errors";

export const ID_PATTERN = /^[A-Za-z0-9_\-.:@|+/=]{1,128}$/;
export const IdSchema = z
  .string()
  .check(z.regex(ID_PATTERN, "must be 1 to 128 characters of letters, digits and _ - . : @ | + / ="));

export const NameSchema = z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(200));
export const CurrencySchema = z.string().check(z.regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD"));
export const NonNegativeAmount = z.bigint().check(z.gte(0n, "must not be negative"));
export const PositiveAmount = z.bigint().check(z.gt(0n, "must be greater than zero"));

/** JSON metadata: at most 8 KB serialized and 5 levels deep. */
export const JsonSchema = z.unknown().check(
  z.superRefine((value, ctx) => {
    const text = JSON.stringify(value ?? null);
    if (text.length > 8192) ctx.addIssue({ code: "custom", message: "must be at most 8 KB of JSON" });
    if (depth(value) > 5) ctx.addIssue({ code: "custom", message: "must be at most 5 levels deep" });
  }),
);

function depth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depth));
}

export function parseInput<T extends z.ZodMiniType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new DomainError("BAD_USER_INPUT", `${path}${issue?.message ?? "invalid input"}`);
}
