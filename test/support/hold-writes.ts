/**
 * Holding chosen DynamoDB transactions at their send, for tests of a race that must be met on every
 * run rather than by chance: a write decided on one state of the table that lands on another (the
 * state another request wrote meanwhile). A client middleware, so it meets every transaction
 * whichever transport sends it (core/db/client.ts).
 */
import type { Db } from "../../core/db/client";

/** One item of a TransactWriteItems, as much of it as a test looks at. */
export type HeldItem = {
  Update?: { UpdateExpression?: string; ExpressionAttributeNames?: Record<string, string> };
  Put?: { Item?: Record<string, unknown> };
  ConditionCheck?: { Key?: Record<string, unknown>; ConditionExpression?: string };
};

/**
 * Holds the transactions `which` picks (once `pass` of them went through) until `open()`; `held()`
 * counts those waiting. Named `name` in the client's middleware stack (removed by `open`).
 */
export function holdWrites(db: Db, name: string, which: (items: HeldItem[]) => boolean, pass = 0) {
  const waiting: (() => void)[] = [];
  let passed = 0;
  let opened = false;
  db.raw.middlewareStack.add(
    (next) => async (args) => {
      const items = (args.input as { TransactItems?: HeldItem[] }).TransactItems;
      if (!opened && items && which(items)) {
        if (passed < pass) passed++;
        else await new Promise<void>((release) => waiting.push(release));
      }
      return next(args);
    },
    { step: "initialize", name, override: true },
  );
  return {
    held: () => waiting.length,
    open() {
      opened = true;
      db.raw.middlewareStack.remove(name);
      for (const release of waiting.splice(0)) release();
    },
  };
}

/** Waits, in real time (the test clock untouched), until the requests in flight reach the state `ready` waits for. */
export async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; !ready(); i++) {
    if (i > 2_000) throw new Error("the requests in flight never got there");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
