/**
 * adjustUsage with a timestamp in a period still in its grace for late events
 * (BILLING_GRACE_PERIOD): the ended period is corrected, as late tracks are booked there, and its
 * closing invoice, issued at the grace end, bills the corrected usage; past the grace it is
 * PERIOD_CLOSED. A 6-hour grace; daily plans subscribed at 2026-01-01T00:00Z, so the first period
 * ends at 2026-01-02T00:00Z and its grace at 06:00Z. Corrections racing the close at the grace end
 * are held at their write by a client middleware (the same one whatever transport sends it), so
 * each interleaving is met on every run rather than by chance.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { GRACE, scenario } from "../support/scenario";
import { holdWrites, until, type HeldItem } from "../support/hold-writes";

const BOUNDARY = "2026-01-02T00:00:00.000Z";
const GRACE_END = "2026-01-02T06:00:00.000Z";
const IN_ENDED = "2026-01-01T23:00:00.000Z";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario(GRACE));
});
afterEach(() => api.close());

const ADJUST = `mutation($c: ID!, $f: ID!, $d: Decimal!, $k: ID!, $t: DateTime) {
  adjustUsage(customerId: $c, feature: $f, delta: $d, reason: "double-counted retries", idempotencyKey: $k, timestamp: $t) {
    used overage cost credits } }`;
const adjust = (c: string, d: string, k: string, t?: string, feature = "api_calls") =>
  api.gql(ADJUST, { c, f: feature, d, k, ...(t ? { t } : {}) });
const close = async () => (await api.ok(`mutation { closeDuePeriods }`)).closeDuePeriods as number;
const EVENTS = `query($c: ID!) { customer(id: $c) { events(first: 10) { edges { node {
  idempotencyKey value cost reason timestamp periodStart } } } } }`;
const event = async (c: string, key: string) =>
  (await api.ok(EVENTS, { c })).customer.events.edges
    .map((e: any) => e.node)
    .find((n: any) => n.idempotencyKey === key);

describe("adjustUsage stamped in an ended period still in its grace", () => {
  it("corrects that period, billed on its closing invoice at the grace end; after the grace: PERIOD_CLOSED", async () => {
    await f.customerOn("m", "daily");
    await f.track({ customerId: "m", feature: "api_calls", idempotencyKey: "m-1", value: "150" });
    await f.advanceClock("2026-01-02T02:00:00Z");
    expect(await close()).toBe(1); // the new period starts; the ended one waits for its grace end
    await f.track({ customerId: "m", feature: "api_calls", idempotencyKey: "m-2", value: "7" });

    // 150 tracked, 40 of them double-counted: the ended period is corrected to 110.
    const corrected = await adjust("m", "-40", "fix-1", IN_ENDED);
    expect(corrected.errors).toBeUndefined();
    expect(corrected.data.adjustUsage).toEqual({ used: "110", overage: "10", cost: "0.10", credits: null });
    expect(await event("m", "fix-1")).toEqual({
      idempotencyKey: "fix-1",
      value: "-40",
      cost: null,
      reason: "double-counted retries",
      timestamp: IN_ENDED,
      periodStart: "2026-01-01T00:00:00.000Z",
    });
    // The running period is untouched: its 7 calls.
    expect((await f.usage("m"))[0]).toMatchObject({ used: "7", overage: "0" });
    // A replay answers again without correcting twice; the same key for another request is refused.
    expect((await adjust("m", "-40", "fix-1", IN_ENDED)).errors).toBeUndefined();
    expectError(await adjust("m", "-40", "fix-1"), "IDEMPOTENCY_KEY_REUSED");
    // Never below zero: 110 used in the ended period.
    expectError(await adjust("m", "-110.5", "fix-2", IN_ENDED), "BAD_USER_INPUT");
    // An increase is booked there too, like a late track: 110 + 5 = 115.
    expect((await adjust("m", "5", "fix-3", "2026-01-01T00:00:00.000Z")).data.adjustUsage.used).toBe("115");

    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    const [closing] = await f.invoices("m");
    expect(closing).toMatchObject({
      number: "INV-000002",
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: BOUNDARY,
      subtotal: "1.15",
      total: "1.15",
      lines: [
        { kind: "OVERAGE", feature: "api_calls", quantity: "15", unitPrice: "0.01", amount: "0.15" },
        { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "1.00", amount: "1.00" },
      ],
    });
    // The grace is over: that period cannot be corrected any more; a replay still answers.
    expectError(await adjust("m", "-1", "fix-4", IN_ENDED), "PERIOD_CLOSED");
    expect((await adjust("m", "-40", "fix-1", IN_ENDED)).errors).toBeUndefined();
    // Without a timestamp (or one in the running period) it corrects the running period, as before.
    expect((await adjust("m", "-2", "fix-5", "2026-01-02T01:00:00Z")).data.adjustUsage.used).toBe("5");
    expect((await adjust("m", "-5", "fix-6")).data.adjustUsage.used).toBe("0");
  });

  it("a BALANCE decrease gives back the ended period's spend: its overage shrinks on the closing invoice", async () => {
    await f.customerOn("b", "balance");
    // 180 calls x $0.01 = $1.80 spent against a $1.00 allowance: $0.80 overage.
    await f.track({ customerId: "b", feature: "api_calls", idempotencyKey: "b-1", value: "180" });
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect(await close()).toBe(1);
    const corrected = await adjust("b", "-55", "b-fix", "2026-01-01T12:00:00Z");
    expect(corrected.errors).toBeUndefined();
    expect(corrected.data.adjustUsage).toMatchObject({ used: "125", cost: "1.25" });
    expect((await event("b", "b-fix")).cost).toBe("-0.55");
    // The balance the customer has now is the new period's, unchanged.
    expect(await f.wallet("b")).toMatchObject({ balance: "1.00", spent: "0.00" });
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    const [closing] = await f.invoices("b");
    expect(closing).toMatchObject({
      subtotal: "1.25",
      total: "1.25",
      lines: [
        { kind: "OVERAGE", quantity: "1", unitPrice: "0.25", amount: "0.25" },
        { kind: "BASE_FEE", quantity: "1", unitPrice: "1.00", amount: "1.00" },
      ],
    });
  });

  it("concurrent decreases of the ended period never take it below zero: of 15 decreases of 1 on 10 used, exactly 10 land", async () => {
    await f.customerOn("r", "daily");
    await f.track({ customerId: "r", feature: "api_calls", idempotencyKey: "r-1", value: "10" });
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect(await close()).toBe(1);
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => adjust("r", "-1", `r-fix-${i}`, IN_ENDED)));
    const codes = answers.map((a) => a.errors?.[0]?.extensions?.code ?? "ok");
    expect(codes.filter((c) => c === "ok")).toHaveLength(10);
    expect(codes.filter((c) => c !== "ok")).toEqual(Array(5).fill("BAD_USER_INPUT"));
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    // Nothing used, nothing over: the closing invoice bills the next base fee alone.
    expect((await f.invoices("r"))[0].lines).toEqual([
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "1.00", amount: "1.00" },
    ]);
  });

  it("a CREDITS increase beyond the ended period's grant is refused, as a late track is", async () => {
    await f.customerOn("c", "credits");
    await f.track({ customerId: "c", feature: "images", idempotencyKey: "c-1", value: "8" }); // 80 of 100 credits
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect(await close()).toBe(1);
    expectError(await adjust("c", "3", "c-fix", IN_ENDED, "images"), "INSUFFICIENT_CREDITS");
    const back = await adjust("c", "-2", "c-fix-2", IN_ENDED, "images");
    expect(back.data.adjustUsage).toMatchObject({ used: "6", credits: "60" });
    // The credits the customer has now are the new period's 100, whatever the ended one gets back.
    expect(await f.wallet("c")).toMatchObject({ credits: "100" });
  });
});

/** A wallet write booking into the ended period (core/db/late-usage-update.ts): it sets counters inside `ended`. */
const lateWrite = (items: HeldItem[]) =>
  items.some(
    ({ Update: u }) => u?.ExpressionAttributeNames?.["#ended"] === "ended" && /#ended\./.test(u.UpdateExpression ?? ""),
  );
/** The write issuing the ended period's closing invoice (core/db/period-update.ts): it removes `ended`. */
const issueWrite = (items: HeldItem[]) =>
  !lateWrite(items) &&
  items.some(({ Update: u }) => Object.values(u?.ExpressionAttributeNames ?? {}).includes("ended"));

/**
 * Each correction has exactly one outcome: booked into the period and billed on its closing
 * invoice, or PERIOD_CLOSED. What guarantees it: a booking's write is conditioned on the ended
 * period still being the one it read (`ended.subscription` periodStart and planCode,
 * core/db/late-usage-update.ts), and the issue's write on the wallet's version (core/db/
 * period-update.ts). Without the first, the held writes fail (after the close) or are booked into
 * the next period (once it ended too); without the second, bookings landing between the close's
 * read and its write are answered but never billed.
 */
describe("timestamped corrections racing the close at the grace end", () => {
  const ENDED_START = "2026-01-01T00:00:00.000Z";
  const closingOf = async (c: string) =>
    (await f.invoices(c)).filter((i) => i.periodStart === ENDED_START && i.periodEnd === BOUNDARY)[0];
  const settledCodes = (answers: Awaited<ReturnType<typeof adjust>>[]) =>
    answers.map((a) => (a.errors ? (a.errors[0]?.extensions?.code ?? a.errors[0]?.message) : "ok"));
  const bookedInEnded = async (c: string) =>
    (await f.events(c)).filter(
      (e: { idempotencyKey: string; periodStart: string }) =>
        e.idempotencyKey.startsWith("race-") && e.periodStart === ENDED_START,
    ).length;

  // Released right after the close, or once the next period has ended too (its own counters in
  // `ended` then: a write that did not check which period it books into would land there).
  for (const released of ["after the close", "once the next period is in its grace"] as const) {
    it(`a correction decided in the grace whose write lands after the closing invoice is PERIOD_CLOSED, never lost (${released})`, async () => {
      await f.customerOn("z", "daily");
      await f.track({ customerId: "z", feature: "api_calls", idempotencyKey: "z-0", value: "100" }); // all included
      await f.advanceClock("2026-01-02T01:00:00Z");
      expect(await close()).toBe(1);
      // 16 corrections of +1 decided in the grace: 6 written at once, the others held at their write.
      const gate = holdWrites(api.deps.db, "holdLateWrites", lateWrite, 6);
      let answered = 0;
      const racing = Array.from({ length: 16 }, (_, i) =>
        adjust("z", "1", `race-${i}`, IN_ENDED).finally(() => answered++),
      );
      await until(() => answered + gate.held() === 16);
      const held = gate.held();
      expect(held).toBeGreaterThan(0);
      // The grace ends and the sweeper issues the closing invoice while those writes are in flight.
      await f.advanceClock(GRACE_END);
      expect(await close()).toBe(1);
      if (released !== "after the close") {
        await f.advanceClock("2026-01-03T01:00:00Z");
        expect(await close()).toBe(1);
      }
      gate.open();
      const codes = settledCodes(await Promise.all(racing));
      // Exactly one outcome each: booked (and billed) or refused; every held write refused.
      expect(codes.filter((c) => c !== "ok" && c !== "PERIOD_CLOSED")).toEqual([]);
      const accepted = codes.filter((c) => c === "ok").length;
      expect(accepted).toBe(16 - held);
      expect(await bookedInEnded("z")).toBe(accepted);
      // $1.00 base fee and $0.01 a corrected call over the 100 included, in cents.
      const cents = (n: bigint) => `${n / 100n}.${String(n % 100n).padStart(2, "0")}`;
      expect(await closingOf("z")).toMatchObject({
        total: cents(100n + BigInt(accepted)),
        lines: [
          { kind: "OVERAGE", feature: "api_calls", quantity: String(accepted), amount: cents(BigInt(accepted)) },
          { kind: "BASE_FEE", amount: "1.00" },
        ],
      });
      // Nothing of them went into a later period either.
      await f.advanceClock("2026-01-03T06:00:00Z");
      await close();
      const later = (await f.invoices("z")).filter((i) => i.periodStart === BOUNDARY);
      expect(later.map((i) => i.lines.map((l: { kind: string }) => l.kind))).toEqual([["BASE_FEE"]]);
      expect((await f.usage("z"))[0]).toMatchObject({ used: "0" });
    });
  }

  it("corrections landing between the close's read and its write are on the closing invoice: the close decides again", async () => {
    await f.customerOn("y", "daily");
    await f.track({ customerId: "y", feature: "api_calls", idempotencyKey: "y-0", value: "100" });
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect(await close()).toBe(1);
    // 8 corrections decided in the grace, all held at their write.
    const late = holdWrites(api.deps.db, "holdLateWrites", lateWrite);
    const racing = Array.from({ length: 8 }, (_, i) => adjust("y", "1", `race-${i}`, IN_ENDED));
    await until(() => late.held() === 8);
    // The grace ends; the sweeper reads the wallet and its issue is held at its write.
    await f.advanceClock(GRACE_END);
    const issue = holdWrites(api.deps.db, "holdIssue", issueWrite);
    const sweeping = close();
    await until(() => issue.held() === 1);
    // The corrections land first (the ended period is still there): accepted.
    late.open();
    expect(settledCodes(await Promise.all(racing))).toEqual(Array(8).fill("ok"));
    // Then the close's write, decided without them: it must not issue that invoice.
    issue.open();
    expect(await sweeping).toBe(1);
    expect(await bookedInEnded("y")).toBe(8);
    expect(await closingOf("y")).toMatchObject({
      total: "1.08",
      lines: [
        { kind: "OVERAGE", feature: "api_calls", quantity: "8", unitPrice: "0.01", amount: "0.08" },
        { kind: "BASE_FEE", amount: "1.00" },
      ],
    });
  });
});
