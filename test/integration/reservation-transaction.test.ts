/**
 * A steady-state reservation's round trip is two DynamoDB transactions and no read but the test
 * clock: reserveUsage writes the reservation and the hold (2 items), settleReservation of a
 * reservation this process made writes the usage event and the wallet (2 items, as a track) without
 * reading or writing the reservation (its open-hold entry in the wallet decides); the sweeper
 * writes its status SETTLED once its hold would have been due (one UpdateItem, not a transaction).
 */
import { beforeAll, expect, it } from "vitest";
import { createTestDeps, type TestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { units } from "../../core/money";
import { expireDueReservations, reserveUsage, settleReservation } from "../../core/reservations";
import { getItem } from "../../core/db/items";
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

it("reserve: the clock and one transaction of the reservation and the wallet; settle: the clock and one transaction of the event and the wallet", async () => {
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
    keys.event("cu", "job"),
    keys.wallet("cu"),
  ]);
  // The hold's entry decides: asserted there, removed (a release or an expiry racing it fails).
  const update = items[1].Update;
  expect(update.ExpressionAttributeNames["#holdKey"]).toBe("job");
  expect(update.UpdateExpression).toContain("REMOVE #holds.#holdKey");
  expect(update.ConditionExpression).toContain("attribute_exists(#holds.#holdKey)");
});

it("the reservation item keeps only what its key does not say; the sweeper's status update repeats nothing of its event", async () => {
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
    "walletHeld",
  ]);
  const settled = await settleReservation(deps, id, { value: units(1) });
  expect(settled.reservation.status).toBe("SETTLED");
  // The settle left the item as it was; the sweeper, when the hold would have been due, writes it.
  const stored = await getItem(deps.db, keys.reservation("cu", "lean"));
  expect([stored?.status, stored?.gsi1pk !== undefined]).toEqual(["HELD", true]);
  const sweeping = await sent(() => expireDueReservations(deps, new Date(Date.parse(settled.reservation.expiresAt))));
  // It also finds this file's earlier settles (warm, job), due by then: one UpdateItem each.
  const marked = sweeping.filter((r) => r.command === "UpdateItemCommand" && r.input.Key.sk === "RESERVATION#lean");
  expect(marked).toHaveLength(1);
  expect(sweeping.filter((r) => r.command === "UpdateItemCommand")).toHaveLength(3);
  // No settleHash (the event's requestHash), no closedAt (its recordedAt), no capped when it was not.
  const status = marked[0]!.input;
  expect([
    status.Key,
    status.UpdateExpression,
    status.ExpressionAttributeNames,
    status.ExpressionAttributeValues,
  ]).toEqual([
    keys.reservation("cu", "lean"),
    "SET #status = :status REMOVE gsi1pk, gsi1sk",
    { "#status": "status" },
    { ":from": "HELD", ":status": "SETTLED" },
  ]);
  const after = await getItem(deps.db, keys.reservation("cu", "lean"));
  expect([after?.status, after?.gsi1pk]).toEqual(["SETTLED", undefined]);
  expect(sweeping.some((r) => r.command === "TransactWriteItemsCommand")).toBe(false);
});
