/**
 * Shape checks at the edge of core: IDs limited to a safe character set (so no input can forge a
 * key separator), bounded strings and amounts (core/bounds.ts), ISO 4217 currencies, and one way
 * to turn a zod failure into BAD_USER_INPUT: the field's path, then what is wrong, in plain words
 * (`input.features[0].marginBps must be at most 100000`).
 *
 * The ID rule, one for every ID a client chooses (customer ids, idempotency keys, feature, plan
 * and pack codes): 1 to 128 characters of letters, digits and `_ - . : @ | + / =`. That admits
 * the ids other systems hand out (Auth0's `auth0|64f...`, base64 and base64url ids, e-mail-like
 * and URN-like ids) and never `#`, the separator of every key in the table (core/db/keys.ts
 * refuses to build a key from a part holding one), nor whitespace or control characters.
 */
import * as z from "./zod";
import { DomainError } from "./errors";
import { MAX_EVENT_QUANTITY, MAX_PRICE, MAX_QUANTITY } from "./bounds";
import { isCurrency } from "./currencies";

export const ID_PATTERN = /^[A-Za-z0-9_\-.:@|+/=]{1,128}$/;
export const IdSchema = z
  .string()
  .check(z.regex(ID_PATTERN, "must be 1 to 128 characters of letters, digits and _ - . : @ | + / ="));

export const NameSchema = z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(200));
export const CurrencySchema = z
  .string()
  .check(z.refine(isCurrency, "must be an ISO 4217 currency code such as USD, EUR or JPY"));
export const NonNegativeAmount = z.bigint().check(z.gte(0n, "must not be negative"));
export const PositiveAmount = z.bigint().check(z.gt(0n, "must be greater than zero"));
/** A price, rate or fixed amount of money: 0 to 10^9. */
export const PriceSchema = z.bigint().check(z.gte(0n, "must not be negative"), z.lte(MAX_PRICE));
/** A plan's or pack's quantity: 0 to 10^15. */
export const QuantitySchema = z.bigint().check(z.gte(0n, "must not be negative"), z.lte(MAX_QUANTITY));
/** One event's quantity: above 0, at most 10^12. */
export const EventQuantitySchema = z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_EVENT_QUANTITY));

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

/** `input`, ["features", 0, "marginBps"] -> `input.features[0].marginBps`. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (at, key) => (typeof key === "number" ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)),
    root,
  );
}

/**
 * Parses `input` or refuses it with BAD_USER_INPUT naming the first bad field. `root` is what the
 * client called the value: the argument's name (`input`, `customerId`), or "" for an object whose
 * fields are the operation's arguments themselves.
 */
export function parseInput<T extends z.ZodMiniType>(schema: T, input: unknown, root = "input"): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = fieldPath(root, issue?.path ?? []) || "the input";
  throw new DomainError("BAD_USER_INPUT", `${field} ${issue?.message ?? "is not valid"}`);
}
