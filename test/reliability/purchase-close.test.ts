/**
 * A purchase is a write, so it closes an ended period first ("lazily by any write
 * that finds its customer's period already ended"). Found by the reliability simulation: a top-up
 * that arrived after the period's end but before the sweeper ran used to land in the ended period,
 * pay down that period's overage and so change an invoice that depends on when the sweeper ran.
 */
import { describe, expect, it } from "vitest";
import { createTestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { subscribe } from "../../core/subscriptions";
import { trackUsage } from "../../core/usage/track";
import { topUpBalance } from "../../core/purchases";
import { closeDuePeriods } from "../../core/periods/sweep";
import { listInvoices } from "../../core/db/invoices";
import { currentWallet } from "../../core/usage/current";
import { walletView } from "../../core/models";

const S = 10n ** 12n;

describe("a top-up after the period ended, before the sweeper ran", () => {
  it("is booked into the new period: the closed period's overage is invoiced in full", async () => {
    const deps = await createTestDeps();
    await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
    await createPlan(deps, {
      code: "bal",
      name: "Balance",
      model: "BALANCE",
      basePrice: 20n * S,
      interval: "MONTH",
      features: [{ feature: "api_calls", unitPrice: S / 20n }],
    });
    await createCustomer(deps, { id: "c1" });
    await subscribe(deps, "c1", "bal");
    // $25: $5 over the $20 allowance.
    await trackUsage(deps, { customerId: "c1", feature: "api_calls", idempotencyKey: "k1", value: 500n * S });
    await deps.clock.advance(new Date("2026-02-01T00:00:01.000Z"));
    await topUpBalance(deps, "c1", 30n * S, "t1");
    await closeDuePeriods(deps);
    const invoices = await listInvoices(deps.db, "c1");
    const close = invoices.find(
      (i) => i.periodStart === "2026-01-01T00:00:00.000Z" && i.periodEnd === "2026-02-01T00:00:00.000Z",
    );
    expect(close?.lines.map((l) => [l.kind, l.amount])).toEqual([
      ["OVERAGE", 5n * S],
      ["BASE_FEE", 20n * S],
    ]);
    const view = walletView((await currentWallet(deps, "c1")).wallet, "BALANCE");
    expect([view.allowance, view.topUps, view.balance]).toEqual([20n * S, 30n * S, 50n * S]);
  });
});
