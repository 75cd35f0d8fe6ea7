/**
 * Fuzzed inputs over every mutation, generated from the schema: for each Mutation field, fast-check
 * builds argument values from the argument types (IDs, strings, numbers, decimals, dates, JSON,
 * enums, input objects, lists), mixing valid values with hostile ones. Every answer must be success
 * or errors with a known code, never an unmasked error; and a refused mutation writes nothing (the
 * whole table is the same before and after).
 */
import fc from "fast-check";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLInputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/errors";
import { UNEXPECTED_MESSAGE } from "../../schema/errors";
import { schema } from "../../schema/index";
import { scanTable } from "../support/db";
import type { TestApi } from "../support/server";
import { PLANS, scenario } from "../support/scenario";

const RUNS_PER_MUTATION = 20;
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

let api: TestApi;

beforeAll(async () => {
  ({ api } = await scenario({
    features: { api_calls: "METERED" },
    plans: { metered: PLANS.metered, prepaid: PLANS.balance },
    packs: { pack10: { credits: "10", price: "5" } },
    customers: { acme: "metered", idle: null },
  }));
});
afterAll(() => api?.close());

const hostileStrings = fc.constantFrom(
  "",
  " ",
  "#",
  "a#b",
  "CUSTOMER#acme",
  "../../etc",
  "x".repeat(129),
  "x".repeat(2000),
  "\u0000",
  "😀",
  "<script>",
  "' OR 1=1",
  "$where",
  "null",
);
const safeIds = fc.constantFrom(
  "acme",
  "idle",
  "metered",
  "prepaid",
  "api_calls",
  "pack10",
  "INV-000001",
  "anthropic/claude",
  "new-id",
);
const id = fc.oneof(
  safeIds,
  fc.stringMatching(/^[A-Za-z0-9_\-.:@]{1,20}$/),
  hostileStrings,
  fc.string({ maxLength: 40 }),
);
const decimal = fc.oneof(
  fc.constantFrom(
    "1",
    "0",
    "-1",
    "0.5",
    "0.0000001",
    "1e3",
    "1e999",
    "NaN",
    "Infinity",
    "",
    "abc",
    "99999999999999999999999999999999999999",
  ),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: false }),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
);
const dateTime = fc.oneof(
  fc
    .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom("2026-01-01T00:00:00Z", "not a date", "", "2026-13-45T99:99:99Z", "0"),
  fc.integer(),
);
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constant({ deep: { a: { b: { c: { d: { e: { f: 1 } } } } } } }),
  fc.constant({ big: "x".repeat(9000) }),
);

const SCALARS: Record<string, fc.Arbitrary<unknown>> = {
  ID: id,
  String: fc.oneof(fc.string({ maxLength: 60 }), hostileStrings),
  Int: fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648)),
  Boolean: fc.boolean(),
  Money: decimal,
  Decimal: decimal,
  DateTime: dateTime,
  JSON: json,
};

/** Values for a GraphQL input type; nullable positions sometimes get null or nothing. */
function arbitraryFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inner(type.ofType, depth);
  return fc.oneof({ weight: 4, arbitrary: inner(type, depth) }, { weight: 1, arbitrary: fc.constant(null) });
}

function inner(type: GraphQLInputType, depth: number): fc.Arbitrary<unknown> {
  if (isListType(type)) return fc.array(arbitraryFor(type.ofType, depth + 1), { maxLength: depth > 0 ? 2 : 4 });
  if (isEnumType(type))
    return fc.oneof(fc.constantFrom(...type.getValues().map((v) => v.name)), fc.constant("NOT_A_VALUE"));
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return fc.record(Object.fromEntries(fields.map((f) => [f.name, arbitraryFor(f.type, depth + 1)])), {
      requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
    });
  }
  const scalar = SCALARS[getNamedType(type).name];
  if (!scalar) throw new Error(`no generator for scalar ${getNamedType(type).name}: add one`);
  return scalar;
}

/** A mutation passing every argument as a variable, selecting only `__typename` of an object result. */
function documentFor(name: string, args: readonly GraphQLArgument[]): string {
  const declared = args.length ? `(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(", ")})` : "";
  const passed = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(", ")})` : "";
  const returnsObject = "getFields" in getNamedType(schema.getMutationType()!.getFields()[name]!.type);
  return `mutation${declared} { ${name}${passed}${returnsObject ? " { __typename }" : ""} }`;
}

const tableContents = async () => {
  const items = await scanTable(api.deps.db, { consistent: true });
  return items.map((i) => JSON.stringify(i)).sort();
};

// advanceClock last: once the clock has moved, writes may close ended periods first.
const mutations = Object.values(schema.getMutationType()!.getFields()).sort(
  (a, b) => Number(a.name === "advanceClock") - Number(b.name === "advanceClock"),
);

describe.each(mutations.map((m) => [m.name, m] as const))("fuzzed %s", (name, field) => {
  it("answers success or a known error code, and writes nothing when it refuses", async () => {
    const document = documentFor(name, field.args);
    const variables = fc.record(Object.fromEntries(field.args.map((a) => [a.name, arbitraryFor(a.type)])), {
      requiredKeys: [],
    });
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        const before = await tableContents();
        const response = await api.gql(document, vars as Record<string, unknown>);
        const errors = response.errors ?? [];
        for (const error of errors) {
          expect(error.message, JSON.stringify(vars)).not.toBe(UNEXPECTED_MESSAGE);
          expect(KNOWN_CODES.has(error.extensions?.code ?? ""), `${error.extensions?.code}: ${error.message}`).toBe(
            true,
          );
        }
        if (errors.length)
          expect(await tableContents(), `${name} refused with ${errors[0]!.extensions?.code} but wrote`).toEqual(
            before,
          );
      }),
      { numRuns: RUNS_PER_MUTATION, endOnFailure: true },
    );
  });
});
