/**
 * The invoice group commit (core/db/invoices.ts) with a member DynamoDB refuses: the group is
 * retried member by member, so only that member fails. The writes are queued in one tick, so the
 * group is deterministic: the first goes alone, the next three share a transaction.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createTestDeps, type TestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { parseMoney } from "../../core/money";
import { keys } from "../../core/db/keys";
import { getWallet } from "../../core/db/wallets";
import { listInvoices } from "../../core/db/invoices";
import { writePeriodChange } from "../../core/db/subscriptions";
import { planCloses } from "../../core/periods/catch-up";

let deps: TestDeps;
const customers = ["first", "poisoned", "second", "third"];
beforeEach(async () => {
  deps = await createTestDeps();
  await createFeature(deps, { code: "calls", name: "Calls", kind: "METERED" });
  await createPlan(deps, {
    code: "daily",
    name: "Daily",
    model: "BALANCE",
    basePrice: parseMoney("1"),
    interval: "DAY",
    features: [{ feature: "calls", unitPrice: parseMoney("0.01") }],
  });
  for (const id of customers) {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "daily");
  }
  // 38 digits: the close's ADD to the balance would need 39, which DynamoDB refuses.
  await deps.db.doc.send(
    new UpdateCommand({
      TableName: deps.db.table,
      Key: keys.wallet("poisoned"),
      UpdateExpression: "SET topUps = :t, balance = :t, spent = :one",
      ExpressionAttributeValues: { ":t": 10n ** 38n - 7n, ":one": 10n ** 12n },
    }),
  );
  await deps.clock.advance(new Date("2026-01-02T00:00:00Z"));
});

describe("a group with a member DynamoDB refuses", () => {
  it("writes every other member and fails that one with its own error", async () => {
    const now = await deps.clock.now();
    const planned = await Promise.all(
      customers.map(async (id) => {
        const wallet = (await getWallet(deps.db, id))!;
        return { wallet, closes: await planCloses(deps, wallet, now) };
      }),
    );
    // Queued in one tick: "first" goes alone, the other three wait for it and go together.
    const outcomes = await Promise.allSettled(
      planned.map(({ wallet, closes }) =>
        writePeriodChange(deps.db, wallet, closes.after, closes.drafts, closes.eventsFor),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/38 digits/);
    const numbers = await Promise.all(
      customers.map(async (id) => (await listInvoices(deps.db, id)).map((i) => i.number)),
    );
    expect(numbers).toEqual([
      ["INV-000005", "INV-000001"],
      ["INV-000002"],
      ["INV-000006", "INV-000003"],
      ["INV-000007", "INV-000004"],
    ]);
  });
});
