/**
 * A steady-state trackUsage is exactly one DynamoDB transaction of two items, the event (the
 * idempotency record) and the wallet update, and nothing else is read or written but the test
 * clock. What those items hold is what a track costs in write units, so it is pinned here to the
 * attribute, for each model: a change to it must be deliberate.
 * (The usage thresholds add conditions to the wallet update, not items or attributes written.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDeps, T0, type TestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { units } from "../../core/money";
import { trackUsage } from "../../core/usage/track";
import { keys } from "../../core/db/keys";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await createFeature(deps, { code: "calls", name: "Calls", kind: "METERED" });
  const base = { basePrice: units(10), interval: "MONTH" } as const;
  await createPlan(deps, {
    ...base,
    code: "m",
    name: "Metered",
    model: "METERED",
    features: [{ feature: "calls", included: units(100), overagePrice: units(1), limit: units(1000) }],
  });
  await createPlan(deps, {
    ...base,
    code: "c",
    name: "Credits",
    model: "CREDITS",
    includedCredits: units(100),
    features: [{ feature: "calls", creditsPerUnit: units(2) }],
  });
  await createPlan(deps, {
    ...base,
    code: "b",
    name: "Balance",
    model: "BALANCE",
    blockOnExhaustion: true,
    features: [{ feature: "calls", unitPrice: units(1) }],
  });
  for (const plan of ["m", "c", "b"]) {
    await createCustomer(deps, { id: `cu-${plan}` });
    await subscribe(deps, `cu-${plan}`, plan);
    await trackUsage(deps, { customerId: `cu-${plan}`, feature: "calls", idempotencyKey: "warm-up" });
  }
});

type Sent = { command: string; input: Record<string, any> };

/** Every request the SDK sends while `run` runs, as it goes out. */
async function sent(run: () => Promise<unknown>): Promise<Sent[]> {
  const seen: Sent[] = [];
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

/** The one transaction of a steady-state track of 3 calls, without table names and the recording order. */
async function steadyTrack(customerId: string) {
  const requests = await sent(() =>
    trackUsage(deps, { customerId, feature: "calls", idempotencyKey: "steady", value: units(3) }),
  );
  expect(requests.map((r) => r.command)).toEqual(["GetItemCommand", "TransactWriteItemsCommand"]);
  expect(requests[0]!.input.Key).toEqual({ pk: "CLOCK", sk: "CLOCK" }); // the test clock, not the wallet
  const [put, update, ...rest] = requests[1]!.input.TransactItems;
  expect(rest).toEqual([]);
  const { TableName: _t1, Item, ...putRest } = put.Put;
  const { TableName: _t2, ...updateRest } = update.Update;
  const { gsi2sk, expiresAt, ...item } = Item;
  expect(gsi2sk).toMatch(new RegExp(`^${T0}#\\d{16}#steady$`));
  // Kept 400 days from the real time of the write (TTL deletes by real time, whatever the test clock says).
  const retention = Math.floor(Date.now() / 1000) + 400 * 86_400;
  expect(expiresAt).toBeGreaterThan(retention - 600);
  expect(expiresAt).toBeLessThanOrEqual(retention);
  expect(putRest).toEqual({
    ConditionExpression: "attribute_not_exists(pk)",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  });
  return { item, update: updateRest };
}

const eventItem = (customerId: string, plan: string, priced: Record<string, bigint>, requestHash: string) => ({
  ...keys.event(customerId, "steady"),
  gsi2pk: keys.eventTimelinePartition(customerId),
  type: "EVENT",
  idempotencyKey: "steady",
  customerId,
  feature: "calls",
  value: units(3),
  ...priced,
  timestamp: T0,
  periodStart: T0,
  planCode: plan,
  requestHash,
  recordedAt: T0,
});

const periodValues = (plan: string) => ({ ":active": "ACTIVE", ":plan": plan, ":ps": T0, ":zero": 0n });
const USAGE_CEILING = `(attribute_not_exists(#usage.#f0) AND :zero <= :g1 OR #usage.#f0 <= :g1)`;
const PERIOD = "#status = :active AND planCode = :plan AND periodStart = :ps";
/**
 * Thresholds (core/alerts/crossing.ts): no alert was created or funds added (`alarmsRev`), and the
 * write reaches none of the armed built-in thresholds, or another write fired it first. Conditions,
 * not items: the write units are those of the same two items.
 */
const NO_ALARM_CHANGE = "attribute_not_exists(#alarmsRev)";
const USAGE_BELOW = (m: string, b: string) =>
  `(${m} = :${m.slice(1)} OR attribute_not_exists(#usage.#f0) AND :zero < ${b} OR #usage.#f0 < ${b})`;

describe("a steady-state trackUsage", () => {
  it("METERED: one transaction, the event and the usage counter under the limit and the ceiling", async () => {
    const { item, update } = await steadyTrack("cu-m");
    expect(item).toEqual(eventItem("cu-m", "m", {}, "ntPNMC9naUeKVHv5FxR8gh6uI9BMzEfkVPR75gS9M6s"));
    expect(update).toEqual({
      Key: keys.wallet("cu-m"),
      UpdateExpression: "SET #usage.#f0 = if_not_exists(#usage.#f0, :zero) + :v1 ADD #version :one",
      ConditionExpression: `${PERIOD} AND (attribute_not_exists(#usage.#f0) AND :zero <= :g0 OR #usage.#f0 <= :g0) AND ${USAGE_CEILING} AND ${NO_ALARM_CHANGE} AND ${USAGE_BELOW("#m0", ":b0")} AND ${USAGE_BELOW("#m1", ":b1")}`,
      ExpressionAttributeNames: {
        "#status": "status",
        "#usage": "usage",
        "#f0": "calls",
        "#version": "version",
        "#alarmsRev": "alarmsRev",
        "#m0": "alarm:usage.threshold_reached:calls:80",
        "#m1": "alarm:usage.threshold_reached:calls:100",
      },
      ExpressionAttributeValues: {
        ...periodValues("m"),
        ":v1": units(3),
        ":one": 1,
        ":g0": units(997),
        ":g1": units(999_999_999_999_999_997n),
        ":m0": T0,
        ":b0": units(77),
        ":m1": T0,
        ":b1": units(97),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("CREDITS: one transaction, the event and the burn, asserting it depletes nothing", async () => {
    const { item, update } = await steadyTrack("cu-c");
    expect(item).toEqual(eventItem("cu-c", "c", { credits: units(6) }, "IcQRBaft8ZKcjtWx43So7OQaY3gHHz3zArnsavJPqHo"));
    expect(update).toEqual({
      Key: keys.wallet("cu-c"),
      UpdateExpression:
        "SET #usage.#f0 = if_not_exists(#usage.#f0, :zero) + :v1, #featureCredits.#f0 = if_not_exists(#featureCredits.#f0, :zero) + :v2 ADD #version :one, credits :negBurn, creditsUsed :burn",
      ConditionExpression: `${PERIOD} AND credits >= :g0 AND ${USAGE_CEILING} AND (credits <= :zero OR credits > :burn) AND ${NO_ALARM_CHANGE} AND (#m0 = :m0 OR credits > :b0)`,
      ExpressionAttributeNames: {
        "#status": "status",
        "#usage": "usage",
        "#f0": "calls",
        "#featureCredits": "featureCredits",
        "#version": "version",
        "#alarmsRev": "alarmsRev",
        "#m0": "alarm:credits.low",
      },
      ExpressionAttributeValues: {
        ...periodValues("c"),
        ":v1": units(3),
        ":v2": units(6),
        ":one": 1,
        ":burn": units(6),
        ":negBurn": -units(6),
        ":g0": units(6),
        ":g1": units(999_999_999_999_999_997n),
        // credits.low: 10% of the 100 granted, armed for this period and these funds.
        ":m0": `${T0}#${units(100)}`,
        ":b0": units(10 + 6),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("BALANCE: one transaction, the event and the spend, blocking at zero and asserting it depletes nothing", async () => {
    const { item, update } = await steadyTrack("cu-b");
    expect(item).toEqual(eventItem("cu-b", "b", { cost: units(3) }, "L8VvxrGSetGo_nygbcEOgchwaY4MnHNH_ApkJHemfXA"));
    expect(update).toEqual({
      Key: keys.wallet("cu-b"),
      UpdateExpression:
        "SET #usage.#f0 = if_not_exists(#usage.#f0, :zero) + :v1, #featureCost.#f0 = if_not_exists(#featureCost.#f0, :zero) + :v2 ADD #version :one, spent :cost, balance :negCost",
      ConditionExpression: `${PERIOD} AND balance >= :g0 AND ${USAGE_CEILING} AND spent <= :g2 AND (balance < :zero OR balance >= :cost) AND ${NO_ALARM_CHANGE} AND (#m0 = :m0 OR balance > :b0)`,
      ExpressionAttributeNames: {
        "#status": "status",
        "#usage": "usage",
        "#f0": "calls",
        "#featureCost": "featureCost",
        "#version": "version",
        "#alarmsRev": "alarmsRev",
        "#m0": "alarm:balance.low",
      },
      ExpressionAttributeValues: {
        ...periodValues("b"),
        ":v1": units(3),
        ":v2": units(3),
        ":one": 1,
        ":cost": units(3),
        ":negCost": -units(3),
        ":g0": units(3),
        ":g1": units(999_999_999_999_999_997n),
        ":g2": units(999_999_999_999_999_997n),
        // balance.low: 10% of the 10.00 allowance.
        ":m0": `${T0}#${units(10)}`,
        ":b0": units(1 + 3),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });
});
