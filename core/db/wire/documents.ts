/**
 * The document client's translation for the two wire operations: plain values in (bigints as
 * Numbers, undefined members dropped), AttributeValues on the wire, plain values out with Numbers
 * wrapped (so 38-digit ledger amounts never pass through a float). The options are the ones
 * core/db/client.ts gives the SDK's document client, so both transports write and read the same.
 *
 * The values this product stores (strings, bigints, small integers, booleans, null, plain maps
 * and lists) are converted here directly; anything else (sets, binary, fractions, wrapped
 * numbers, class instances) goes to the SDK's own marshall / unmarshall, value by value, so the
 * result and every error are the SDK's. The SDK's converters cost about 10% of a wallet read's
 * CPU (they check every value against a list of class names and format every number three ways);
 * test/unit/db/wire-documents.test.ts holds both to the same output.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Doc } from "./hooks";
import {
  marshall,
  NumberValueImpl as NumberValue,
  unmarshall,
  type marshallOptions,
  type unmarshallOptions,
} from "@aws-sdk/util-dynamodb";

export const MARSHALL: marshallOptions = { removeUndefinedValues: true, convertClassInstanceToMap: false };
export const UNMARSHALL: unmarshallOptions = { wrapNumbers: true };

/** One value as the SDK's marshall (with MARSHALL) writes it inside a map. */
function toAttribute(value: unknown): AttributeValue {
  switch (typeof value) {
    case "string":
      return { S: value };
    case "bigint":
      return { N: value.toString() };
    case "boolean":
      return { BOOL: value };
    case "number":
      if (Number.isSafeInteger(value)) return { N: value.toString() };
      break;
    case "object":
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) {
        const list: AttributeValue[] = [];
        for (const item of value) if (item !== undefined && typeof item !== "function") list.push(toAttribute(item));
        return { L: list };
      }
      // The SDK's test for a plain object (a member named "constructor" makes it refuse the value).
      if ((value as { constructor?: unknown }).constructor === Object) return { M: toAttributes(value as Doc) };
      break;
  }
  return (marshall({ value }, MARSHALL) as Record<string, AttributeValue>).value!;
}

/** A map's members (undefined and function members dropped), as marshall(values, MARSHALL) gives them. */
export function toAttributes(values: Doc): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key in values) {
    const value = values[key];
    if (value !== undefined && typeof value !== "function") out[key] = toAttribute(value);
  }
  return out;
}

/** One AttributeValue as the SDK's unmarshall (with UNMARSHALL) reads it. */
function fromAttribute(attribute: Doc): unknown {
  for (const kind in attribute) {
    const value = attribute[kind];
    if (value === undefined) continue;
    switch (kind) {
      case "S":
        return value;
      case "N":
        return NumberValue.from(value);
      case "M":
        return fromAttributes(value);
      case "L": {
        const list: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) list[i] = fromAttribute(value[i]);
        return list;
      }
      case "BOOL":
        return Boolean(value);
      case "NULL":
        return null;
    }
    break;
  }
  return unmarshall({ value: attribute as AttributeValue }, UNMARSHALL).value;
}

/** An item, as unmarshall(item, UNMARSHALL) gives it. */
export function fromAttributes(item: Record<string, AttributeValue> | Doc): Doc {
  const out: Doc = {};
  for (const key in item) out[key] = fromAttribute((item as Doc)[key]);
  return out;
}

const attributes = (values: Doc | undefined) =>
  values === undefined ? undefined : values.constructor === Object ? toAttributes(values) : marshall(values, MARSHALL);

/** A Put, Update, Delete or ConditionCheck with its Item, Key and ExpressionAttributeValues marshalled. */
function transactItem(item: Doc): Doc {
  const out: Doc = {};
  for (const [kind, action] of Object.entries(item) as [string, Doc][]) {
    const wire: Doc = { ...action };
    if (action.Item !== undefined) wire.Item = attributes(action.Item);
    if (action.Key !== undefined) wire.Key = attributes(action.Key);
    if (action.ExpressionAttributeValues !== undefined)
      wire.ExpressionAttributeValues = attributes(action.ExpressionAttributeValues);
    out[kind] = wire;
  }
  return out;
}

export const transactWriteInput = (input: Doc): Doc => ({
  ...input,
  TransactItems: (input.TransactItems as Doc[]).map(transactItem),
});

export const getItemInput = (input: Doc): Doc => ({ ...input, Key: attributes(input.Key) });

export function getItemOutput(output: Doc): Doc {
  if (output.Item === undefined) return output;
  return { ...output, Item: fromAttributes(output.Item as Record<string, AttributeValue>) };
}
