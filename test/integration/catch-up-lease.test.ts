/**
 * The catch-up lease (core/periods/close.ts): a customer another worker is catching up is skipped
 * by the sweeper and waited for by writes; a lease whose worker died (expired) is taken over. The
 * other worker is simulated by a lease planted directly on the wallet.
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
import { closeDuePeriods } from "../../core/periods/sweep";
import { trackUsage } from "../../core/usage/track";

let deps: TestDeps;
beforeEach(async () => {
  deps = await createTestDeps(); // 2026-01-01
  await createFeature(deps, { code: "calls", name: "Calls", kind: "METERED" });
  await createPlan(deps, {
    code: "daily",
    name: "Daily",
    model: "METERED",
    basePrice: parseMoney("1"),
    interval: "DAY",
    features: [{ feature: "calls", included: parseMoney("10"), overagePrice: parseMoney("0.1") }],
  });
  await createCustomer(deps, { id: "behind" });
  await subscribe(deps, "behind", "daily");
  await deps.clock.advance(new Date("2026-07-20T00:00:00Z")); // 200 periods due
});

const lease = (until: number) =>
  deps.db.doc.send(
    new UpdateCommand({
      TableName: deps.db.table,
      Key: keys.wallet("behind"),
      UpdateExpression: "SET closeLeaseOwner = :o, closeLeaseUntil = :u",
      ExpressionAttributeValues: { ":o": "another-worker", ":u": until },
    }),
  );
const release = () =>
  deps.db.doc.send(
    new UpdateCommand({
      TableName: deps.db.table,
      Key: keys.wallet("behind"),
      UpdateExpression: "REMOVE closeLeaseOwner, closeLeaseUntil",
    }),
  );

describe("a customer another worker is catching up", () => {
  it("is skipped by the sweeper while the lease lives, and closed by the next sweep once it is released", async () => {
    await lease(Date.now() + 60_000);
    expect(await closeDuePeriods(deps)).toMatchObject({ found: 1, closed: 0, skipped: 1, failed: 0 });
    expect(await listInvoices(deps.db, "behind")).toHaveLength(1);
    await release();
    expect(await closeDuePeriods(deps)).toMatchObject({ found: 1, closed: 200, skipped: 0, failed: 0 });
    const wallet = await getWallet(deps.db, "behind");
    expect(wallet!.subscription!.periodStart).toBe("2026-07-20T00:00:00.000Z");
    expect(wallet!.closeLease).toBeUndefined();
  });

  it("is taken over when the lease expired (its worker died)", async () => {
    await lease(Date.now() - 1);
    expect(await closeDuePeriods(deps)).toMatchObject({ closed: 200, skipped: 0 });
    expect(await listInvoices(deps.db, "behind")).toHaveLength(201);
    expect((await getWallet(deps.db, "behind"))!.closeLease).toBeUndefined();
  });

  it("makes a track wait, not fail: it goes on once the lease is gone, booking into the current period", async () => {
    await lease(Date.now() + 60_000);
    // Release the lease when the waiting track reads the wallet again (its first poll).
    let reads = 0;
    // Client middleware, so it meets the wallet's reads whichever transport sends them (core/db/client.ts).
    deps.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { sk?: string } };
        if (context.commandName === "GetItemCommand" && input.Key?.sk === keys.wallet("behind").sk && ++reads === 2)
          await release();
        return next(args);
      },
      { step: "initialize", name: "releaseOnSecondRead", override: true },
    );
    const tracked = await trackUsage(deps, { customerId: "behind", feature: "calls", idempotencyKey: "k1" });
    deps.db.raw.middlewareStack.remove("releaseOnSecondRead");
    expect(tracked.event.periodStart).toBe("2026-07-20T00:00:00.000Z");
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(await listInvoices(deps.db, "behind")).toHaveLength(201);
  });
});
