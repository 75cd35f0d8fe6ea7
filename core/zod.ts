/**
 * zod for the product code: `zod/mini` (the functional API, a small fraction of the classic API's
 * bundle size) with our own messages in plain words instead of a locale's ("must be at most 100000",
 * not "Too big: expected number to be <=100000"). A message here is the predicate only;
 * core/validation.ts's parseInput puts the field's path in front of it
 * (`input.features[0].marginBps must be at most 100000`). Checks that give their own message keep it.
 *
 * Import it as a namespace, `import * as z from "./zod"`: esbuild then bundles only the parts
 * used. A named import of the `z` object (`import { z } from "zod/mini"`) pulls in all of zod,
 * every locale included (~440 KB minified).
 */
import { config, type core } from "zod/mini";
import { formatDecimal } from "./money";

/** Bounds on bigints are ledger amounts (10^-12 units): shown as the decimal a client sends. */
const show = (n: number | bigint) => (typeof n === "bigint" ? formatDecimal(n) : String(n));

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  bigint: "a decimal number",
  boolean: "true or false",
  date: "a date-time",
  array: "a list",
  object: "an object",
};

function plainMessage(issue: core.$ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined || issue.input === null
        ? "is required"
        : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case "too_small": {
      const n = show(issue.minimum);
      if (issue.origin === "string") return n === "1" ? "must not be empty" : `must be at least ${n} characters`;
      if (issue.origin === "array") return `must have at least ${n} items`;
      return issue.inclusive === false ? `must be greater than ${n}` : `must be at least ${n}`;
    }
    case "too_big": {
      const n = show(issue.maximum);
      if (issue.origin === "string") return `must be at most ${n} characters`;
      if (issue.origin === "array") return `must have at most ${n} items`;
      return issue.inclusive === false ? `must be less than ${n}` : `must be at most ${n}`;
    }
    case "invalid_format":
      return issue.format === "email" ? "must be an email address" : "has an invalid format";
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${show(issue.divisor)}`;
    case "unrecognized_keys":
      return `has unknown fields: ${issue.keys.join(", ")}`;
    default:
      return "is not valid";
  }
}

config({ localeError: plainMessage });

export * from "zod/mini";
