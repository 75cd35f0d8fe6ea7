/**
 * The invoice group commit (core/db/group-commit.ts) with a member DynamoDB refuses: the group is
 * retried member by member, so only that member fails; and a group whose transaction fails with
 * an unknown outcome (it may have committed): every member fails with that error. The writes are
 * queued in one tick, so the group is deterministic: the first goes alone, the next ones share a
 * transaction.
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

describe("a group whose transaction fails with an unknown outcome", () => {
  it("fails every member with that error instead of retrying each alone on a group that may have committed", async () => {
    // Regression (soak seed 80044): retried alone, each member of a group that had committed
    // found its own write done (its condition failed) and was answered as not written, so its
    // caller decided again on its own change (a plan change: "already on plan", BAD_USER_INPUT).
    const ids = ["first", "second", "third"];
    const now = await deps.clock.now();
    const planned = await Promise.all(
      ids.map(async (id) => {
        const wallet = (await getWallet(deps.db, id))!;
        return { wallet, closes: await planCloses(deps, wallet, now) };
      }),
    );
    await deps.db.sdk();
    let failed = 0;
    deps.db.raw.middlewareStack.add(
      (next) => async (args) => {
        const items = (args.input as { TransactItems?: { Update?: { Key?: { sk?: string } } }[] }).TransactItems;
        if (failed === 0 && items && items.filter((i) => i.Update?.Key?.sk === "WALLET").length >= 2) {
          failed++;
          await next(args);
          throw new Error("injected: connection lost after the request was processed; outcome unknown");
        }
        return next(args);
      },
      { step: "initialize", name: "unknownOutcome" },
    );
    // Queued in one tick: "first" goes alone, "second" and "third" together, in the failed group.
    const outcomes = await Promise.allSettled(
      planned.map(({ wallet, closes }) =>
        writePeriodChange(deps.db, wallet, closes.after, closes.drafts, closes.eventsFor),
      ),
    );
    deps.db.raw.middlewareStack.remove("unknownOutcome");
    expect(failed).toBe(1);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.ok : String(o.reason)))).toEqual([
      true,
      "Error: injected: connection lost after the request was processed; outcome unknown",
      "Error: injected: connection lost after the request was processed; outcome unknown",
    ]);
    // The group did commit: each close is written once, numbered in the group's order.
    const numbers = await Promise.all(ids.map(async (id) => (await listInvoices(deps.db, id)).map((i) => i.number)));
    expect(numbers).toEqual([
      ["INV-000005", "INV-000001"],
      ["INV-000006", "INV-000003"],
      ["INV-000007", "INV-000004"],
    ]);
    for (const id of ids)
      expect((await getWallet(deps.db, id))!.subscription).toMatchObject({ periodStart: "2026-01-02T00:00:00.000Z" });
  });
});
