/**
 * The document client's translation for the two wire operations: plain values in (bigints as
 * Numbers, undefined members dropped), AttributeValues on the wire, plain values out with Numbers
 * wrapped (so 38-digit ledger amounts never pass through a float). The options are the ones
 * core/db/client.ts gives the SDK's document client, so both transports write and read the same.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Doc } from "./hooks";
import { marshall, unmarshall, type marshallOptions, type unmarshallOptions } from "@aws-sdk/util-dynamodb";

export const MARSHALL: marshallOptions = { removeUndefinedValues: true, convertClassInstanceToMap: false };
export const UNMARSHALL: unmarshallOptions = { wrapNumbers: true };

const attributes = (values: Doc | undefined) => (values === undefined ? undefined : marshall(values, MARSHALL));

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
  return { ...output, Item: unmarshall(output.Item as Record<string, AttributeValue>, UNMARSHALL) };
}
