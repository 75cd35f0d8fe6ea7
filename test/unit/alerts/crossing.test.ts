/** Which thresholds a usage write fires, decided on a wallet in memory (core/alerts, no database). */
import { describe, expect, it } from "vitest";
import { alarmsForWrite } from "../../../core/alerts/for-write";
import { alertThresholds } from "../../../core/alerts/alert";
import { percentOf, shareOf } from "../../../core/alerts/threshold";
import { deltaOf } from "../../../core/models";
import { units } from "../../../core/money";
import type { Wallet } from "../../../core/wallet";
import { metered, plan, T0, wallet } from "../models/fixtures";

const now = new Date(T0);
const pro = plan({
  code: "pro",
  model: "METERED",
  features: [metered("calls", { included: units(100), overagePrice: units(1) })],
});
const credits = plan({ code: "c", model: "CREDITS", includedCredits: units(100), features: [] });
const track = (w: Wallet, p = pro, quantity = units(1), burn?: bigint) =>
  alarmsForWrite(p, w, T0, deltaOf([{ feature: "calls", quantity, credits: burn, guards: [] }]), now);
const fires = (r: ReturnType<typeof track>) => r.plan.checks.filter((c) => c.fires).map((c) => c.threshold.rank);

describe("built-in thresholds", () => {
  it("80% and 100% of included: exact, rounded up to the least usage at the share", () => {
    expect(percentOf(units(100), 80n)).toBe(units(80));
    expect(percentOf(1n, 80n)).toBe(1n);
    expect(shareOf(units(1005), 1_000n)).toBe(units(100) + units(1) / 2n);
  });

  it("a write below every threshold fires nothing and checks both", () => {
    const r = track(wallet("pro", { usage: { calls: units(70) } }));
    expect(r.plan.checks.map((c) => [c.threshold.rank, c.fires, c.bound])).toEqual([
      [80, false, units(79)],
      [100, false, units(99)],
    ]);
    expect(r.events).toEqual([]);
  });

  it("a burst past 80% and 100% marks both and announces 100% only", () => {
    const r = track(wallet("pro", { usage: { calls: units(70) } }), pro, units(40));
    expect(fires(r)).toEqual([80, 100]);
    expect(r.events.map((e) => e.id)).toEqual([`usage.threshold_reached:acme:calls:${T0}:100`]);
  });

  it("a fired threshold is not checked again in its period; a new period re-arms it", () => {
    const w = wallet("pro", { usage: { calls: units(85) }, alarms: { "usage.threshold_reached:calls:80": T0 } });
    expect(track(w).plan.checks.map((c) => c.threshold.rank)).toEqual([100]);
    const next = alarmsForWrite(
      pro,
      w,
      "2026-02-01T00:00:00.000Z",
      deltaOf([{ feature: "calls", quantity: 1n, guards: [] }]),
      now,
    );
    expect(next.plan.checks.map((c) => c.threshold.rank)).toEqual([80, 100]);
  });

  it("credits.low at 10% of grant plus purchases, re-armed by a purchase (a new share)", () => {
    const low = (fields: Partial<Wallet>) =>
      track(wallet("c", { planCredits: units(100), credits: units(15), ...fields }), credits, units(1), units(5));
    expect(low({}).events.map((e) => e.id)).toEqual([`credits.low:acme:${T0}:100`]);
    const fired = { alarms: { "credits.low": `${T0}#${units(100)}` } };
    expect(low(fired).plan.checks).toEqual([]);
    // The second firing in the period: its id carries its ordinal.
    const again = low({ ...fired, purchasedCredits: units(50), credits: units(20) });
    expect(again.events.map((e) => e.id)).toEqual([`credits.low:acme:${T0}:150:2`]);
    expect(again.plan.checks.map((c) => c.stores)).toEqual([`${T0}#${units(150)}@2`]);
  });

  it("credits.low re-armed by a void back to a share that fired this period fires with a new id", () => {
    const low = (marker: string) =>
      track(
        wallet("c", { planCredits: units(100), credits: units(15), alarms: { "credits.low": marker } }),
        credits,
        units(1),
        units(5),
      );
    // Fired at 100, then at 150 after a pack; the pack voided: armed at 100 again, the third firing.
    const third = low(`${T0}#${units(150)}@2`);
    expect(third.events.map((e) => e.id)).toEqual([`credits.low:acme:${T0}:100:3`]);
    expect(third.plan.checks.map((c) => c.stores)).toEqual([`${T0}#${units(100)}@3`]);
    // Disarmed whatever its ordinal; a marker of an earlier period starts the count again.
    expect(low(`${T0}#${units(100)}@3`).plan.checks).toEqual([]);
    expect(low(`2025-12-01T00:00:00.000Z#${units(100)}@4`).events.map((e) => e.id)).toEqual([
      `credits.low:acme:${T0}:100`,
    ]);
  });
});

describe("custom alerts", () => {
  const alert = (fields: object) => ({
    id: "ua_1",
    customerId: "acme",
    metric: "USAGE" as const,
    feature: "calls",
    threshold: units(10),
    recurrence: "EVERY_PERIOD" as const,
    createdAt: T0,
    archived: false,
    triggers: 0,
    ...fields,
  });

  it("become thresholds of the metric's level; archived ones do not", () => {
    const w = wallet("pro", { alerts: { ua_1: alert({}), ua_2: alert({ id: "ua_2", archived: true }) } });
    expect(alertThresholds(w, T0).map((t) => [t.marker, t.direction, t.at, t.firedAs])).toEqual([
      [{ kind: "alert", id: "ua_1" }, "UP", units(10), T0],
    ]);
  });

  it("ONCE is armed until it fired, whatever the period", () => {
    const w = wallet("pro", { alerts: { ua_1: alert({ recurrence: "ONCE", fired: "ONCE", triggers: 1 }) } });
    expect(alertThresholds(w, "2027-01-01T00:00:00.000Z")[0]!.firedAs).toBe("ONCE");
    expect(track({ ...w, usage: { calls: units(20) } }).plan.checks.map((c) => c.threshold.family)).toEqual([
      "usage:calls",
      "usage:calls",
    ]);
  });

  it("an alert past its threshold fires at the next write that moves its level, counted", () => {
    const w = wallet("pro", { usage: { calls: units(20) }, alerts: { ua_1: alert({ triggers: 2 }) } });
    expect(track(w).events.map((e) => e.id)).toEqual(["alert.triggered:ua_1:3"]);
  });
});
