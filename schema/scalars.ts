/**
 * Money and Decimal travel as decimal strings and are exact bigints inside (10^-12 units). Inputs
 * accept a string or a JSON number, read from its decimal text; too many digits, NaN or a huge
 * exponent is BAD_USER_INPUT.
 */
import { GraphQLError, Kind, type ValueNode } from "graphql";
import { formatDecimal, formatMoney, parseMoney, parseQuantity } from "../core/money";
import { isDomainError } from "../core/errors";
import { builder } from "./builder";
import { ScalarInputError } from "./plugins/literal-paths";

function decimalScalar(
  name: "Money" | "Decimal",
  parse: (text: string, what: string) => bigint,
  format: (v: bigint) => string,
  description: string,
) {
  /** The amount, or what is wrong with it as a predicate ("must be a decimal number, got ..."). */
  const read = (value: unknown): bigint | string => {
    if (typeof value !== "string" && typeof value !== "number") return "must be a decimal string or number";
    if (typeof value === "number" && significantDigits(String(value)) > 15) {
      // JSON.parse already turned it into a float: beyond 15 digits its text may not be what was sent.
      return "has more digits than a JSON number carries exactly; send it as a string";
    }
    try {
      return parse(String(value), name);
    } catch (error) {
      if (isDomainError(error)) return error.message.slice(name.length + 1);
      throw error;
    }
  };
  builder.scalarType(name, {
    description,
    serialize: (value) => format(value as bigint),
    parseValue: (value) => {
      const amount = read(value);
      if (typeof amount === "string") throw badInput(`${name} ${amount}`);
      return amount;
    },
    parseLiteral: (node: ValueNode) => {
      const amount =
        node.kind === Kind.STRING || node.kind === Kind.INT || node.kind === Kind.FLOAT
          ? read(node.value)
          : "must be a decimal string or number";
      if (typeof amount === "string") throw new ScalarInputError(amount);
      return amount;
    },
  });
}

function significantDigits(text: string): number {
  return text.replace(/e.*$/i, "").replace(/[-.]/g, "").replace(/^0+/, "").length;
}

decimalScalar(
  "Money",
  parseMoney,
  formatMoney,
  'Exact decimal amount of money, as a string: "0.0043". Accepts a string or a JSON number as input; at most 12 decimal places.',
);
decimalScalar(
  "Decimal",
  parseQuantity,
  formatDecimal,
  "Exact decimal quantity (units, credits), as a string. Accepts a string or a JSON number as input; at most 6 decimal places.",
);

builder.scalarType("DateTime", {
  description:
    "ISO-8601 date-time with a time zone (Z or ±hh:mm), e.g. 2026-01-31T00:00:00Z; output in UTC. A date that does not exist (2027-02-30, 24:00) is refused.",
  serialize: (value) => (value instanceof Date ? value : new Date(value)).toISOString(),
  parseValue: (value) => {
    const date = readDate(value);
    if (typeof date === "string") throw badInput(`DateTime ${JSON.stringify(value)} ${date}`);
    return date;
  },
  parseLiteral: (node) => {
    const date = readDate(node.kind === Kind.STRING ? node.value : undefined);
    if (typeof date === "string") throw new ScalarInputError(date);
    return date;
  },
});

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,3})?)?(?:Z|[+-](\d\d):(\d\d))$/;

/**
 * A real calendar instant, or what is wrong with the text. JavaScript's Date would read 2027-02-30
 * as 2 March and 24:00 as the next day, which would book usage on a day the client never named.
 */
function readDate(value: unknown): Date | string {
  const match = typeof value === "string" ? DATE_TIME.exec(value) : null;
  if (!match) return "must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T00:00:00Z";
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match.slice(1).map((p) => Number(p ?? 0));
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month! - 1] ?? 0;
  const real =
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHour! <= 23 &&
    offsetMinute! <= 59;
  const date = new Date(value as string);
  if (!real || Number.isNaN(date.getTime())) return "is not a real date and time (no such day, hour, minute or second)";
  return date;
}

builder.scalarType("JSON", {
  description: "Any JSON value.",
  serialize: (value) => value,
  parseValue: (value) => shallowJson(value),
  parseLiteral: (node) => shallowJson(literalToJson(node)),
});

/**
 * Deeper than this is refused at the edge, measured without recursion, before anything else walks
 * the value (validation, stringifying, storing all recurse, and 5,000 levels overflow the stack).
 * Core's own bound (5 levels, core/validation.ts) is far below and names the field.
 */
export const MAX_JSON_DEPTH = 32;

function shallowJson(value: unknown): unknown {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= MAX_JSON_DEPTH) throw badInput(`JSON values must be at most ${MAX_JSON_DEPTH} levels deep`);
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return value;
}

function literalToJson(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw badInput("JSON literals cannot contain variables");
  }
}

export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}
