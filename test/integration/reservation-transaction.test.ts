/**
 * A steady-state reservation's round trip is two DynamoDB transactions and no read but the test
 * clock: reserveUsage writes the reservation and the hold (2 items), settleReservation of a
 * reservation this process made writes its status, the usage event and the wallet (3 items)
 * without reading the reservation again (its status condition decides).
 */
import { beforeAll, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { units } from "../../core/money";
import { reserveUsage, settleReservation } from "../../core/reservations";
import { keys } from "../../core/db/keys";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await createFeature(deps, { code: "calls", name: "Calls", kind: "METERED" });
  await createPlan(deps, {
    code: "c",
    name: "Credits",
    model: "CREDITS",
    basePrice: units(1),
    interval: "MONTH",
    includedCredits: units(1000),
    features: [{ feature: "calls", creditsPerUnit: units(1) }],
  });
  await createCustomer(deps, { id: "cu" });
  await subscribe(deps, "cu", "c");
  const warm = await reserveUsage(deps, {
    customerId: "cu",
    feature: "calls",
    idempotencyKey: "warm",
    value: units(1),
  });
  await settleReservation(deps, warm.id, { value: units(1) });
});

async function sent(run: () => Promise<unknown>) {
  const seen: { command: string; input: Record<string, any> }[] = [];
  deps.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push({ command: String(context.commandName), input: structuredClone(args.input) as Record<string, any> });
      return next(args);
    },
    { step: "initialize", name: "sentForTest", override: true },
  );
  try {
    await run();
  } finally {
    deps.db.raw.middlewareStack.remove("sentForTest");
  }
  return seen;
}

it("reserve: the clock and one transaction of the reservation and the wallet; settle: the clock and one transaction of status, event and wallet", async () => {
  let id = "";
  const reserving = await sent(async () => {
    id = (await reserveUsage(deps, { customerId: "cu", feature: "calls", idempotencyKey: "job", value: units(5) })).id;
  });
  expect(reserving.map((r) => r.command)).toEqual(["GetItemCommand", "TransactWriteItemsCommand"]);
  expect(reserving[0]!.input.Key).toEqual(keys.clock());
  const [put, wallet] = reserving[1]!.input.TransactItems;
  expect(put.Put.Item).toMatchObject({ ...keys.reservation("cu", "job"), status: "HELD", credits: units(5) });
  expect(wallet.Update.Key).toEqual(keys.wallet("cu"));
  expect(reserving[1]!.input.TransactItems).toHaveLength(2);

  const settling = await sent(() => settleReservation(deps, id, { value: units(3) }));
  expect(settling.map((r) => r.command)).toEqual(["GetItemCommand", "TransactWriteItemsCommand"]);
  expect(settling[0]!.input.Key).toEqual(keys.clock());
  const items = settling[1]!.input.TransactItems;
  expect(items.map((i: any) => i.Update?.Key ?? { pk: i.Put.Item.pk, sk: i.Put.Item.sk })).toEqual([
    keys.reservation("cu", "job"),
    keys.event("cu", "job"),
    keys.wallet("cu"),
  ]);
});

it("the reservation item keeps only what its key does not say; the settle's status update repeats nothing of its event", async () => {
  let id = "";
  const reserving = await sent(async () => {
    id = (await reserveUsage(deps, { customerId: "cu", feature: "calls", idempotencyKey: "lean", value: units(2) })).id;
  });
  const item = reserving[1]!.input.TransactItems[0].Put.Item;
  // Its id, customer and key are its pk / sk; ttlSeconds is in its requestHash (nothing else reads it).
  expect(Object.keys(item).sort()).toEqual([
    "createdAt",
    "credits",
    "expiresAt",
    "feature",
    "gsi1pk",
    "gsi1sk",
    "holdExpiresAt",
    "pk",
    "requestHash",
    "sk",
    "status",
    "type",
    "value",
  ]);
  const settling = await sent(() => settleReservation(deps, id, { value: units(1) }));
  const status = settling[1]!.input.TransactItems[0].Update;
  // No settleHash (the event's requestHash), no closedAt (its recordedAt), no capped when it was not.
  expect([status.UpdateExpression, status.ExpressionAttributeNames, status.ExpressionAttributeValues]).toEqual([
    "SET #status = :status REMOVE gsi1pk, gsi1sk",
    { "#status": "status" },
    { ":from": "HELD", ":status": "SETTLED" },
  ]);
});
