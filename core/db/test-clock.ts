/**
 * The stored test clock: one item. It starts at `start` the first time it is read, and moves only
 * forward, with a conditional write, so concurrent advances can never move it back.
 */
import { GetCommand, PutCommand, UpdateCommand } from "./commands";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../clock";
import { DomainError } from "../errors";
import type { Db } from "./client";
import { ItemType, keys } from "./keys";

export function storedTestClock(db: Db, start: () => Date = () => new Date()): Clock {
  const read = async (): Promise<Date> => {
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: keys.clock(), ConsistentRead: true }),
    );
    if (Item) return new Date(Item.now as string);
    const initial = start().toISOString();
    try {
      await db.doc.send(
        new PutCommand({
          TableName: db.table,
          Item: { ...keys.clock(), type: ItemType.CLOCK, now: initial },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return new Date(initial);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return read();
      throw error;
    }
  };
  return {
    mode: "test",
    now: read,
    async advance(to: Date) {
      const current = await read();
      if (to.getTime() < current.getTime()) {
        throw new DomainError("BAD_USER_INPUT", `the test clock only moves forward; it is at ${current.toISOString()}`);
      }
      try {
        await db.doc.send(
          new UpdateCommand({
            TableName: db.table,
            Key: keys.clock(),
            UpdateExpression: "SET #now = :to",
            ConditionExpression: "#now <= :to",
            ExpressionAttributeNames: { "#now": "now" },
            ExpressionAttributeValues: { ":to": to.toISOString() },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new DomainError(
            "BAD_USER_INPUT",
            "the test clock only moves forward; it was moved past that time meanwhile",
          );
        }
        throw error;
      }
      return to;
    },
  };
}
