/**
 * Reservations against periods and each other: a hold open across a close carries into the next
 * period as a hold; the invoice is the same whether usage came through tracks or settles; and
 * settle, release, expiry and a period close run concurrently end in exactly one outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { images: "METERED", calls: "METERED" },
    plans: {
      credits: {
        model: "CREDITS",
        basePrice: "1",
        interval: "DAY",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      metered: {
        model: "METERED",
        basePrice: "1",
        interval: "DAY",
        features: [{ feature: "calls", included: "10", overagePrice: "0.5" }],
      },
      balance: {
        model: "BALANCE",
        basePrice: "5",
        interval: "DAY",
        features: [{ feature: "calls", unitPrice: "0.25" }],
      },
    },
  }));
});
afterAll(() => api?.close());

const reserve = async (i: Record<string, unknown>) => {
  const r = await api.gql(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id status } }`, { i });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.reserveUsage.id as string;
};
const settle = (id: string, value: string) =>
  api.gql(
    `mutation($id: ID!, $v: Decimal) { settleReservation(id: $id, input: { value: $v }) { capped event { value credits periodStart } } }`,
    { id, v: value },
  );
const release = (id: string) => api.gql(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id });
const wallet = async (c: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { wallet { credits planCredits heldCredits balance heldAmount spent } } }`,
      {
        c,
      },
    )
  ).customer.wallet;
const status = async (c: string, k: string) => {
  for (const s of ["HELD", "SETTLED", "RELEASED", "EXPIRED"]) {
    const list = (
      await api.ok(
        `query($c: ID!, $s: ReservationStatus) { customer(id: $c) { reservations(status: $s) { idempotencyKey } } }`,
        {
          c,
          s,
        },
      )
    ).customer.reservations as { idempotencyKey: string }[];
    if (list.some((r) => r.idempotencyKey === k)) return s;
  }
  return undefined;
};
const now = async () => (await api.ok(`query { now }`)).now as string;
const later = async (ms: number) => f.advanceClock(new Date(Date.parse(await now()) + ms).toISOString());
const DAY = 86_400_000;

describe("a hold open across a period close", () => {
  it("carries into the next period as a hold, taken from its grant; its usage is billed where it settles", async () => {
    await f.customerOn("carry", "credits");
    await f.customerOn("carry-m", "metered");
    await later(DAY / 2); // reserved half-way: the hold (a day) outlives the period
    const id = await reserve({
      customerId: "carry",
      feature: "images",
      idempotencyKey: "job",
      value: "30",
      ttlSeconds: 86_400,
    });
    const m = await reserve({
      customerId: "carry-m",
      feature: "calls",
      idempotencyKey: "job",
      value: "15",
      ttlSeconds: 86_400,
    });
    await f.track({ customerId: "carry", feature: "images", idempotencyKey: "t1", value: "20" });
    expect(await wallet("carry")).toMatchObject({ credits: "50", planCredits: "50", heldCredits: "30" });
    await later(DAY / 2);
    await api.ok(`mutation { closeDuePeriods }`);
    // Period 2: 100 granted afresh, 30 of them held again.
    expect(await wallet("carry")).toMatchObject({ credits: "70", planCredits: "70", heldCredits: "30" });
    expect(await status("carry", "job")).toBe("HELD");
    // The closed period billed no overage for the held calls.
    expect((await f.invoices("carry-m"))[0].lines.map((l: any) => l.kind)).toEqual(["BASE_FEE"]);
    const s = (await settle(id, "10")).data.settleReservation;
    expect(s.event).toMatchObject({ value: "10", credits: "10", periodStart: "2026-01-02T00:00:00.000Z" });
    expect(await wallet("carry")).toMatchObject({ credits: "90", planCredits: "90", heldCredits: "0" });
    await settle(m, "15");
    await later(DAY);
    await api.ok(`mutation { closeDuePeriods }`);
    const overage = (await f.invoices("carry-m"))[0].lines.find((l: any) => l.kind === "OVERAGE");
    expect(overage).toMatchObject({ feature: "calls", quantity: "5", amount: "2.50" });
  });
});

describe("the invoice of settles equals the invoice of tracks", () => {
  it("METERED and BALANCE: the same usage through trackUsage and through reserve + settle bills the same", async () => {
    for (const plan of ["metered", "balance"]) {
      await f.customerOn(`${plan}-t`, plan);
      await f.customerOn(`${plan}-s`, plan);
      for (const [n, value] of ["7", "8", "9"].entries()) {
        await f.track({ customerId: `${plan}-t`, feature: "calls", idempotencyKey: `k${n}`, value });
        const id = await reserve({ customerId: `${plan}-s`, feature: "calls", idempotencyKey: `k${n}`, value: "10" });
        expect((await settle(id, value)).errors).toBeUndefined();
      }
    }
    await later(DAY);
    await api.ok(`mutation { closeDuePeriods }`);
    for (const plan of ["metered", "balance"]) {
      const [viaTrack] = await f.invoices(`${plan}-t`);
      const [viaSettle] = await f.invoices(`${plan}-s`);
      const { number: _a, ...tracked } = viaTrack;
      const { number: _b, ...settled } = viaSettle;
      expect(settled).toEqual(tracked);
      expect(tracked.lines.some((l: any) => l.kind === "OVERAGE")).toBe(true);
    }
  });
});

describe("races end in exactly one outcome", () => {
  it("settle, release, expiry (sweeper) and a period close (sweeper and a track's lazy close), run concurrently, many rounds", async () => {
    const rounds = 16;
    for (let n = 0; n < rounds; n++) {
      const c = `race-${n}`;
      await f.customerOn(c, "credits");
      // Even rounds: the hold expired and the period is over. Odd rounds: the period is over, the
      // hold (made half-way) still runs.
      if (n % 2) await later(DAY / 2);
      const id = await reserve({
        customerId: c,
        feature: "images",
        idempotencyKey: "job",
        value: "10",
        ttlSeconds: 86_400,
      });
      await later(n % 2 ? DAY / 2 + 1000 : DAY + 1000);
      // Each round starts the four in another order, half of them staggered by a round trip each,
      // so every one of them gets to go first.
      const ops = [
        () => settle(id, "4"),
        () => release(id),
        () => api.gql(`mutation { closeDuePeriods }`),
        () => f.track({ customerId: c, feature: "images", idempotencyKey: "other", value: "1" }),
      ];
      const order = [0, 1, 2, 3].map((i) => (i + n) % 4);
      const running: Promise<any>[] = [];
      for (const i of order) {
        running[i] = ops[i]!();
        if (Math.floor(n / 4) % 2) await now();
      }
      const [settled, released, , tracked] = await Promise.all(running);
      expect(tracked.errors).toBeUndefined();
      const final = await status(c, "job");
      const events = (await f.events(c)).filter((e: any) => e.idempotencyKey === "job");
      const w = await wallet(c);
      expect(w.heldCredits, c).toBe("0");
      if (final === "SETTLED") {
        // The settle won, or came after the expiry: from what was available either way.
        expect(settled.errors, c).toBeUndefined();
        expect(["SETTLED", "EXPIRED"]).toContain(released.data.releaseReservation.status);
        if (n % 2) expect(released.data.releaseReservation.status, c).toBe("SETTLED");
        expect(events, c).toHaveLength(1);
        expect(w.credits, c).toBe("95");
      } else {
        expect(final, c).toBe("RELEASED");
        expect(settled.errors?.[0]?.extensions?.code, c).toBe("RESERVATION_RELEASED");
        expect(events, c).toEqual([]);
        expect(w.credits, c).toBe("99");
      }
      // One renewal, whatever raced it.
      expect((await f.invoices(c)).length, c).toBe(2);
    }
    // 16 rounds of four racing writes: ~12 s on a quiet machine, over 60 s in the full suite under load.
  }, 240_000);
});
