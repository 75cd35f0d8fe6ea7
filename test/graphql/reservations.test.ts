/**
 * Reservations over HTTP: reserve prices like a track and holds in one
 * transaction, settle records the actual usage and gives the hold back, release and expiry give it
 * back, per model; idempotency, capping, carrying a hold across a close, and the invoice of
 * settles equal to the invoice of tracks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { images: "METERED", calls: "METERED", chat: "METERED" },
    plans: {
      credits100: { model: "CREDITS", includedCredits: "100", features: [{ feature: "images", creditsPerUnit: "1" }] },
      credits10: { model: "CREDITS", includedCredits: "100", features: [{ feature: "images", creditsPerUnit: "10" }] },
      capped: {
        model: "METERED",
        features: [{ feature: "calls", included: "10", overagePrice: "0.5", limit: "20" }],
      },
      open: { model: "METERED", features: [{ feature: "calls", included: "10", overagePrice: "0.5" }] },
      spend: { model: "BALANCE", basePrice: "10", features: [{ feature: "calls", unitPrice: "1" }] },
      blocking: {
        model: "BALANCE",
        basePrice: "10",
        blockOnExhaustion: true,
        features: [
          { feature: "calls", unitPrice: "1" },
          { feature: "chat", pricing: "AI_MODEL", marginBps: 5000 },
        ],
      },
    },
  }));
  await api.ok(`mutation { upsertAiModel(id: "acme/model-1", inputPrice: "2", outputPrice: "10") { id } }`);
});
afterAll(() => api?.close());

const RESERVATION = "id customerId feature idempotencyKey status value credits amount expiresAt createdAt";
const reserve = (i: Record<string, unknown>) =>
  api.gql(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { ${RESERVATION} } }`, { i });
const settle = (id: string, i: Record<string, unknown>) =>
  api.gql(
    `mutation($id: ID!, $i: SettleReservationInput!) { settleReservation(id: $id, input: $i) {
      capped replayed reservation { status } event { idempotencyKey value cost credits inputTokens outputTokens }
      entitlement { allowed credits balance used } } }`,
    { id, i },
  );
const release = (id: string) => api.gql(`mutation($id: ID!) { releaseReservation(id: $id) { status } }`, { id });
const wallet = async (c: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { wallet { credits planCredits purchasedCredits heldCredits balance allowance heldAmount spent overage } } }`,
      { c },
    )
  ).customer.wallet;
const used = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { usage { feature { code } used } } }`, { c })).customer.usage;
const held = async (c: string, status = "HELD") =>
  (
    await api.ok(
      `query($c: ID!, $s: ReservationStatus) { customer(id: $c) { reservations(status: $s) { idempotencyKey status } } }`,
      {
        c,
        s: status,
      },
    )
  ).customer.reservations;
const reserved = async (i: Record<string, unknown>) => {
  const r = await reserve(i);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.reserveUsage;
};

describe("reserve on a CREDITS plan", () => {
  it("200 concurrent reserves against credits for 100: exactly 100 held, 100 INSUFFICIENT_CREDITS, nothing spent", async () => {
    await f.customerOn("c-race", "credits100");
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        reserve({ customerId: "c-race", feature: "images", idempotencyKey: `r${n}`, value: "1" }),
      ),
    );
    const codes = answers.map((a) => a.errors?.[0]?.extensions?.code ?? "OK");
    expect(codes.filter((c) => c === "OK")).toHaveLength(100);
    expect(codes.filter((c) => c === "INSUFFICIENT_CREDITS")).toHaveLength(100);
    expect(await wallet("c-race")).toMatchObject({ credits: "0", planCredits: "0", heldCredits: "100" });
    const check = await api.ok(
      `query { entitlement(customerId: "c-race", feature: "images", amount: "1") { allowed reason credits used } }`,
    );
    expect(check.entitlement).toEqual({ allowed: false, reason: "INSUFFICIENT_CREDITS", credits: "0", used: "0" });
    expect(await f.events("c-race")).toEqual([]);
    expect(await held("c-race")).toHaveLength(100);
  });

  it("the same key again returns the same reservation; another payload is IDEMPOTENCY_KEY_REUSED", async () => {
    await f.customerOn("c-idem", "credits10");
    const first = await reserved({ customerId: "c-idem", feature: "images", idempotencyKey: "k", value: "2" });
    expect(first).toMatchObject({ status: "HELD", value: "2", credits: "20", amount: null, feature: "images" });
    expect(first.expiresAt).toBe("2026-01-01T00:05:00.000Z");
    expect(await reserved({ customerId: "c-idem", feature: "images", idempotencyKey: "k", value: "2" })).toEqual(first);
    expectError(
      await reserve({ customerId: "c-idem", feature: "images", idempotencyKey: "k", value: "3" }),
      "IDEMPOTENCY_KEY_REUSED",
    );
    expectError(
      await reserve({ customerId: "c-idem", feature: "images", idempotencyKey: "k", value: "2", ttlSeconds: 60 }),
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await wallet("c-idem")).toMatchObject({ credits: "80", heldCredits: "20" });
  });

  it("settle below the hold returns the rest; one event under the reservation's key", async () => {
    await f.customerOn("c-below", "credits10");
    const r = await reserved({ customerId: "c-below", feature: "images", idempotencyKey: "job-1", value: "5" });
    expect(await wallet("c-below")).toMatchObject({ credits: "50", heldCredits: "50" });
    const s = await settle(r.id, { value: "2" });
    expect(s.data.settleReservation).toEqual({
      capped: false,
      replayed: false,
      reservation: { status: "SETTLED" },
      event: { idempotencyKey: "job-1", value: "2", cost: null, credits: "20", inputTokens: null, outputTokens: null },
      entitlement: { allowed: true, credits: "80", balance: null, used: "2" },
    });
    expect(await wallet("c-below")).toMatchObject({ credits: "80", planCredits: "80", heldCredits: "0" });
    expect(await used("c-below")).toEqual([{ feature: { code: "images" }, used: "2" }]);
    expect((await f.events("c-below")).map((e: any) => e.idempotencyKey)).toEqual(["job-1"]);
  });

  it("settle above the hold charges the extra from what is available, and caps at what is there", async () => {
    await f.customerOn("c-above", "credits10");
    const a = await reserved({ customerId: "c-above", feature: "images", idempotencyKey: "a", value: "3" });
    const b = await reserved({ customerId: "c-above", feature: "images", idempotencyKey: "b", value: "3" });
    expect((await settle(a.id, { value: "5" })).data.settleReservation).toMatchObject({
      capped: false,
      event: { value: "5", credits: "50" },
    });
    expect(await wallet("c-above")).toMatchObject({ credits: "20", heldCredits: "30" });
    // b holds 30; 20 are available: an actual of 9 (90 credits) charges 50 and is capped.
    const s = (await settle(b.id, { value: "9" })).data.settleReservation;
    expect(s).toMatchObject({
      capped: true,
      event: { value: "9", credits: "50" },
      entitlement: { allowed: false, credits: "0" },
    });
    expect(await wallet("c-above")).toMatchObject({ credits: "0", heldCredits: "0" });
    expect(await used("c-above")).toEqual([{ feature: { code: "images" }, used: "14" }]);
  });

  it("settling again replays, with another input is IDEMPOTENCY_KEY_REUSED; a released one is RESERVATION_RELEASED", async () => {
    await f.customerOn("c-replay", "credits10");
    const r = await reserved({ customerId: "c-replay", feature: "images", idempotencyKey: "x", value: "2" });
    const first = (await settle(r.id, { value: "1", properties: { a: 1 } })).data.settleReservation;
    const again = (await settle(r.id, { value: "1", properties: { a: 1 } })).data.settleReservation;
    expect(again).toEqual({ ...first, replayed: true });
    expectError(await settle(r.id, { value: "2" }), "IDEMPOTENCY_KEY_REUSED");
    expect((await release(r.id)).data.releaseReservation).toEqual({ status: "SETTLED" });

    const gone = await reserved({ customerId: "c-replay", feature: "images", idempotencyKey: "y", value: "2" });
    expect((await release(gone.id)).data.releaseReservation).toEqual({ status: "RELEASED" });
    expect((await release(gone.id)).data.releaseReservation).toEqual({ status: "RELEASED" });
    const refused = await settle(gone.id, { value: "1" });
    expectError(refused, "RESERVATION_RELEASED");
    expect(refused.errors![0]!.message).toContain("was released");
    expect(await wallet("c-replay")).toMatchObject({ credits: "90", heldCredits: "0" });
    expect((await f.events("c-replay")).map((e: any) => e.idempotencyKey)).toEqual(["x"]);
  });

  it("bad input: ttlSeconds outside 1..86400, a settle without usage, an unknown id", async () => {
    await f.customerOn("c-bad", "credits10");
    for (const ttlSeconds of [0, 86_401]) {
      const r = await reserve({ customerId: "c-bad", feature: "images", idempotencyKey: "t", value: "1", ttlSeconds });
      expectError(r, "BAD_USER_INPUT");
      expect(r.errors![0]!.message).toContain("input.ttlSeconds");
    }
    const r = await reserved({
      customerId: "c-bad",
      feature: "images",
      idempotencyKey: "t",
      value: "1",
      ttlSeconds: 86_400,
    });
    expect(r.expiresAt).toBe("2026-01-02T00:00:00.000Z");
    expectError(await settle(r.id, {}), "BAD_USER_INPUT");
    expectError(await settle("rsv_nothing", { value: "1" }), "NOT_FOUND");
    expectError(await release("nope"), "NOT_FOUND");
    expect(await wallet("c-bad")).toMatchObject({ credits: "90", heldCredits: "10" });
  });
});

describe("METERED and BALANCE plans", () => {
  it("METERED: holds count against a hard limit; without one a reservation never refuses", async () => {
    await f.customerOn("m-limit", "capped");
    await reserved({ customerId: "m-limit", feature: "calls", idempotencyKey: "a", value: "15" });
    expectError(
      await reserve({ customerId: "m-limit", feature: "calls", idempotencyKey: "b", value: "6" }),
      "LIMIT_REACHED",
    );
    expectError(
      await f.track({ customerId: "m-limit", feature: "calls", idempotencyKey: "t", value: "6" }),
      "LIMIT_REACHED",
    );
    const check = await api.ok(
      `query { entitlement(customerId: "m-limit", feature: "calls", amount: "5") { allowed used remaining } }`,
    );
    expect(check.entitlement).toEqual({ allowed: true, used: "0", remaining: "10" });
    await f.customerOn("m-open", "open");
    await reserved({ customerId: "m-open", feature: "calls", idempotencyKey: "a", value: "1000000" });
    await reserved({ customerId: "m-open", feature: "calls", idempotencyKey: "b", value: "1000000" });
    expect(await used("m-open")).toEqual([{ feature: { code: "calls" }, used: "0" }]);
  });

  it("METERED: a settle beyond the limit records all of it (the work is done)", async () => {
    await f.customerOn("m-over", "capped");
    const r = await reserved({ customerId: "m-over", feature: "calls", idempotencyKey: "a", value: "15" });
    expect((await settle(r.id, { value: "25" })).data.settleReservation).toMatchObject({
      capped: false,
      event: { value: "25" },
    });
    expect(await used("m-over")).toEqual([{ feature: { code: "calls" }, used: "25" }]);
  });

  it("non-blocking BALANCE never refuses and shows the hold; blocking refuses INSUFFICIENT_BALANCE and caps", async () => {
    await f.customerOn("b-open", "spend");
    const big = await reserved({ customerId: "b-open", feature: "calls", idempotencyKey: "a", value: "25" });
    expect(big.amount).toBe("25.00");
    expect(await wallet("b-open")).toMatchObject({
      balance: "-15.00",
      allowance: "0.00",
      heldAmount: "25.00",
      spent: "0.00",
      overage: "0.00",
    });
    expect((await settle(big.id, { value: "30" })).data.settleReservation).toMatchObject({
      capped: false,
      event: { cost: "30.00" },
    });
    expect(await wallet("b-open")).toMatchObject({
      balance: "-20.00",
      heldAmount: "0.00",
      spent: "30.00",
      overage: "20.00",
    });

    await f.customerOn("b-block", "blocking");
    const r = await reserved({ customerId: "b-block", feature: "calls", idempotencyKey: "a", value: "8" });
    expectError(
      await reserve({ customerId: "b-block", feature: "calls", idempotencyKey: "b", value: "3" }),
      "INSUFFICIENT_BALANCE",
    );
    const s = (await settle(r.id, { value: "12" })).data.settleReservation;
    expect(s).toMatchObject({ capped: true, event: { value: "12", cost: "10.00" } });
    expect(await wallet("b-block")).toMatchObject({ balance: "0.00", heldAmount: "0.00", spent: "10.00" });
  });

  it("AI_MODEL: the hold is input tokens plus the maximum output at the model's prices and margin", async () => {
    await f.customerOn("ai", "blocking");
    const r = await reserved({
      customerId: "ai",
      feature: "chat",
      idempotencyKey: "call-1",
      model: "acme/model-1",
      inputTokens: 100_000,
      outputTokens: 200_000,
    });
    // (0.1M x $2 + 0.2M x $10) x 1.5 = $3.30
    expect(r).toMatchObject({ value: "300000", amount: "3.30" });
    const s = (await settle(r.id, { inputTokens: 100_000, outputTokens: 50_000 })).data.settleReservation;
    // (0.1M x $2 + 0.05M x $10) x 1.5 = $1.05
    expect(s).toMatchObject({
      capped: false,
      event: { value: "150000", cost: "1.05", inputTokens: 100000, outputTokens: 50000 },
    });
    expect(await wallet("ai")).toMatchObject({ balance: "8.95", heldAmount: "0.00" });
  });
});

describe("release and expiry", () => {
  it("release gives the hold back and records nothing", async () => {
    await f.customerOn("rel", "credits10");
    const r = await reserved({ customerId: "rel", feature: "images", idempotencyKey: "a", value: "4" });
    expect((await release(r.id)).data.releaseReservation).toEqual({ status: "RELEASED" });
    expect(await wallet("rel")).toMatchObject({ credits: "100", heldCredits: "0" });
    expect(await f.events("rel")).toEqual([]);
    expect(await held("rel", "RELEASED")).toEqual([{ idempotencyKey: "a", status: "RELEASED" }]);
  });

  it("the sweeper expires due holds, each publishing reservation.expired with its payload", async () => {
    const { api: own, f: g } = await scenario({
      features: { images: "METERED" },
      plans: {
        p: { model: "CREDITS", includedCredits: "100", features: [{ feature: "images", creditsPerUnit: "10" }] },
      },
      customers: { s1: "p", s2: "p" },
    });
    try {
      const gql = (q: string, v: Record<string, unknown>) => own.gql(q, v);
      const mk = async (c: string, k: string, ttl: number) =>
        (
          await gql(`mutation($i: ReserveUsageInput!) { reserveUsage(input: $i) { id } }`, {
            i: { customerId: c, feature: "images", idempotencyKey: k, value: "1", ttlSeconds: ttl },
          })
        ).data.reserveUsage.id;
      const swept = await mk("s1", "a", 60);
      const lazy = await mk("s2", "b", 60);
      await mk("s2", "later", 3600);
      await g.advanceClock("2026-01-01T00:01:00.000Z");
      await own.ok(`mutation { closeDuePeriods }`);
      const expired = () => own.deps.publisher.published.filter((e) => e.type === "reservation.expired");
      expect(expired().map((e) => e.detail)).toEqual([
        {
          reservation: {
            id: swept,
            customerId: "s1",
            feature: "images",
            idempotencyKey: "a",
            value: "1",
            credits: "10",
            amount: null,
            expiresAt: "2026-01-01T00:01:00.000Z",
          },
        },
        expect.objectContaining({ reservation: expect.objectContaining({ id: lazy }) }),
      ]);
    } finally {
      await own.close();
    }
  });

  it("lazily: the customer's next track gives an expired hold back first", async () => {
    await f.customerOn("lazy", "credits10");
    await reserved({ customerId: "lazy", feature: "images", idempotencyKey: "a", value: "10", ttlSeconds: 1 });
    await f.advanceClock("2026-01-01T00:00:02.000Z");
    const t = await f.track({ customerId: "lazy", feature: "images", idempotencyKey: "t", value: "1" });
    expect(t.errors).toBeUndefined();
    expect(await wallet("lazy")).toMatchObject({ credits: "90", heldCredits: "0" });
    expect(await held("lazy", "EXPIRED")).toEqual([{ idempotencyKey: "a", status: "EXPIRED" }]);
    expect(
      api.deps.publisher.published.some(
        (e) => e.type === "reservation.expired" && (e.detail as any).reservation.customerId === "lazy",
      ),
    ).toBe(true);
  });

  it("a settle after expiry records the usage from what is available", async () => {
    await f.customerOn("late", "credits10");
    const r = await reserved({ customerId: "late", feature: "images", idempotencyKey: "a", value: "2", ttlSeconds: 1 });
    await reserved({ customerId: "late", feature: "images", idempotencyKey: "b", value: "7", ttlSeconds: 3600 });
    await f.advanceClock("2026-01-01T00:00:04.000Z");
    // 30 credits available (70 held by b): an actual of 5 (50 credits) is capped at 30.
    const s = (await settle(r.id, { value: "5" })).data.settleReservation;
    expect(s).toMatchObject({ capped: true, reservation: { status: "SETTLED" }, event: { value: "5", credits: "30" } });
    expect(await wallet("late")).toMatchObject({ credits: "0", heldCredits: "70" });
  });
});
