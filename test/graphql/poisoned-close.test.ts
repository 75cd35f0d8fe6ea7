/**
 * One customer whose write DynamoDB refuses (a number beyond 38 digits, planted
 * directly in the table here) must not fail anyone else's: the group commit retries member by
 * member, and the sweeper logs the customer, skips it and closes the others.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import { DUE_SHARDS, keys, shardOf } from "../../core/db/keys";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED" },
    plans: {
      daily: {
        model: "BALANCE",
        basePrice: "1",
        interval: "DAY",
        features: [{ feature: "api_calls", unitPrice: "0.01" }],
      },
      monthly: { model: "BALANCE", basePrice: "5", features: [{ feature: "api_calls", unitPrice: "0.01" }] },
    },
  }));
});
afterEach(() => {
  vi.restoreAllMocks();
  return api.close();
});

/** Ids in the due index's last shard: the sweeper reaches them after the others, so they share a group. */
const inShard = (shard: number, count: number, prefix: string) => {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++)
    if (shardOf(`${prefix}${n}`, DUE_SHARDS) === shard) ids.push(`${prefix}${n}`);
  return ids;
};

/**
 * Makes the customer's next close unwritable: a top-up pool of 38 digits, so the close's ADD of
 * the day's spend to the balance needs 39 (DynamoDB: "only supports precision up to 38 digits").
 */
async function poison(customerId: string) {
  const huge = 10n ** 38n - 7n;
  await api.deps.db.doc.send(
    new UpdateCommand({
      TableName: api.deps.db.table,
      Key: keys.wallet(customerId),
      UpdateExpression: "SET topUps = :t, balance = :t, spent = :one",
      ExpressionAttributeValues: { ":t": huge, ":one": 10n ** 12n },
    }),
  );
}

describe("a close that DynamoDB refuses", () => {
  it("fails that customer only: the others close, an unrelated top-up goes through, the sweeper logs and goes on", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const good = [...inShard(0, 4, "early-"), ...inShard(DUE_SHARDS - 1, 8, "late-")];
    const [bad] = inShard(DUE_SHARDS - 1, 1, "poisoned-");
    for (const id of [...good, bad!]) await f.customerOn(id, "daily");
    await f.customerOn("shopper", "monthly");
    await poison(bad!);
    await f.advanceClock("2026-01-02T00:00:00Z");

    const [sweep, topUp] = await Promise.all([
      api.gql(`mutation { closeDuePeriods }`),
      api.gql(`mutation { topUpBalance(customerId: "shopper", amount: "10", idempotencyKey: "t-1") { topUps } }`),
    ]);
    expect(sweep).toMatchObject({ data: { closeDuePeriods: good.length } });
    expect(topUp.errors).toBeUndefined();
    expect(topUp.data.topUpBalance).toEqual({ topUps: "10.00" });
    for (const id of good) {
      const [renewal] = await f.invoices(id);
      expect(renewal).toMatchObject({ periodStart: "2026-01-01T00:00:00.000Z", total: "1.00" });
    }
    expect(await f.invoices(bad!)).toHaveLength(1);
    const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(logged).toEqual([expect.objectContaining({ msg: "period close failed", customerId: bad })]);

    // The next sweep tries it again, and still closes nothing else wrongly.
    expect(await api.ok(`mutation { closeDuePeriods }`)).toEqual({ closeDuePeriods: 0 });
    const numbers = (await Promise.all([...good, "shopper"].map(f.invoices))).flat().map((i) => i.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
