/**
 * The wire transport's own marshalling (core/db/wire/documents.ts) against the SDK's marshall and
 * unmarshall with the document client's options: the same AttributeValues, the same documents
 * back, the same errors, for what the product stores and for what only the SDK's fallback handles.
 */
import { marshall, NumberValueImpl as NumberValue, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { fromAttributes, MARSHALL, toAttributes, UNMARSHALL } from "../../../core/db/wire/documents";
import { mayHoldBinary } from "../../../core/db/wire/binary";

const stored = {
  pk: "CUSTOMER#c-1",
  sk: "WALLET",
  version: 7,
  zero: 0,
  negative: -42,
  ledger: 123456789012345678901234567890123456n,
  negativeLedger: -5n,
  empty: "",
  flag: true,
  off: false,
  nothing: null,
  dropped: undefined,
  usage: { api_calls: 10_000_000_000_000n, "odd key.with:chars": 1n, nested: { deeper: [1, "a", null, { x: 2n }] } },
  grants: [{ id: "g-1", credits: 5n, expiresAt: undefined }, undefined, "s", 3, false],
  emptyMap: {},
  emptyList: [],
};

const unusual = {
  fraction: 1.5,
  tiny: 1e-7,
  strings: new Set(["a", "b"]),
  numbers: new Set([1, 2]),
  bigints: new Set([1n, 2n]),
  wrapped: NumberValue.from("3.14"),
  bytes: new Uint8Array([1, 2, 3]),
  byteSet: new Set([new Uint8Array([1]), new Uint8Array([2])]),
  map: new Map<string, unknown>([["a", 1n]]),
  bare: Object.assign(Object.create(null) as Record<string, unknown>, { a: "x" }),
  inList: [new Set(["z"]), 2.5],
};

describe("the wire transport's marshalling", () => {
  it("writes what the SDK's marshall writes, for stored values and the SDK's own cases", () => {
    expect(toAttributes(stored)).toEqual(marshall(stored, MARSHALL));
    expect(toAttributes(unusual)).toEqual(marshall(unusual, MARSHALL));
    expect(JSON.stringify(toAttributes(stored))).toBe(JSON.stringify(marshall(stored, MARSHALL)));
  });

  it("refuses what the SDK refuses, with its errors", () => {
    const refused: Record<string, unknown>[] = [
      { big: 2 ** 60 },
      { nan: Number.NaN },
      { date: new Date(0) },
      { emptySet: new Set() },
      { withConstructor: { constructor: "x" } },
    ];
    for (const doc of refused) {
      expect(() => marshall(doc, MARSHALL)).toThrow();
      expect(() => toAttributes(doc)).toThrow(
        (() => {
          try {
            marshall(doc, MARSHALL);
          } catch (error) {
            return (error as Error).message;
          }
        })(),
      );
    }
  });

  it("reads back what the SDK's unmarshall reads, numbers wrapped", () => {
    for (const doc of [stored, unusual]) {
      const item = JSON.parse(
        JSON.stringify(marshall(doc, MARSHALL), (_k, v) => (v instanceof Uint8Array ? [...v] : v)),
      );
      const ours = fromAttributes(item);
      const sdk = unmarshall(item, UNMARSHALL);
      expect(ours).toEqual(sdk);
    }
    expect(fromAttributes(marshall(stored, MARSHALL)).ledger).toBeInstanceOf(NumberValue);
    const binary = marshall({ bytes: new Uint8Array([1, 2]), set: new Set([new Uint8Array([3])]) }, MARSHALL);
    expect(fromAttributes(binary)).toEqual(unmarshall(binary, UNMARSHALL));
    expect(() => fromAttributes({ a: {} })).toThrow("No value defined");
    expect(() => fromAttributes({ a: { X: 1 } as never })).toThrow("Unsupported type passed: X");
  });

  it("finds every answer text that may hold a binary value, and passes the others", () => {
    const holds = [
      '{"Item":{"b":{"B":"AQI="}}}',
      '{"Item":{"s":{"BS":["Aw=="]}}}',
      '{"a":{"BOOL":true},"b":{"B":"AA=="}}',
    ];
    const plain = ['{"Item":{"f":{"BOOL":true},"B":{"S":"x"}}}', '{"Item":{"BS":{"S":"y"},"n":{"N":"1"}}}', "{}", '"B'];
    const asBefore = (text: string) => text.includes('"B":') || text.includes('"BS":');
    for (const text of holds) expect([mayHoldBinary(text), asBefore(text)]).toEqual([true, true]);
    // A member named B or BS is a key too: the old test said yes to it, and so does this one.
    for (const text of plain) expect(mayHoldBinary(text)).toBe(asBefore(text));
  });
});
