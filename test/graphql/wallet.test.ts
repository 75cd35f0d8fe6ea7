/**
 * The wallet over HTTP, per model: the fields of the plan's model (what was granted this period
 * next to what is left), null for the others, never a misleading zero; purchased credits and
 * top-ups carried across models; and purchases sold only on a plan that can spend them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getItem } from "../../core/db/items";
import { keys } from "../../core/db/keys";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: PLANS,
    packs: { pack50: { credits: "50", price: "5" } },
  }));
});
afterAll(() => api?.close());

const FIELDS =
  "credits planCredits planCreditsGranted purchasedCredits balance allowance allowanceGranted topUps spent overage";
const NOTHING = {
  credits: null,
  planCredits: null,
  planCreditsGranted: null,
  purchasedCredits: null,
  balance: null,
  allowance: null,
  allowanceGranted: null,
  topUps: null,
  spent: null,
  overage: null,
};

const wallet = async (id: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { wallet { ${FIELDS} } } }`, { c: id })).customer.wallet;
const buyPack = (c: string, k: string, p = "pack50") =>
  api.gql(
    `mutation($c: ID!, $k: ID!, $p: ID!) { purchaseCreditPack(customerId: $c, packCode: $p, idempotencyKey: $k) { ${FIELDS} } }`,
    { c, k, p },
  );
const topUp = (c: string, k: string, a = "20") =>
  api.gql(
    `mutation($c: ID!, $k: ID!, $a: Money!) { topUpBalance(customerId: $c, amount: $a, idempotencyKey: $k) { ${FIELDS} } }`,
    { c, k, a },
  );
const changePlan = (c: string, p: string) =>
  api.ok(`mutation($c: ID!, $p: ID!) { changePlan(customerId: $c, planCode: $p, timing: IMMEDIATE) { status } }`, {
    c,
    p,
  });
const invoiceCount = async (c: string) => (await f.invoices(c)).length;

describe("the fields of the plan's model, granted next to left; the others null", () => {
  it("METERED, or no subscription: no credit or money field applies", async () => {
    await f.customerOn("m-co", "metered");
    await f.track({ customerId: "m-co", feature: "api_calls", idempotencyKey: "m1", value: "150" });
    expect(await wallet("m-co")).toEqual(NOTHING);
    await f.customer("idle");
    expect(await wallet("idle")).toEqual(NOTHING);
  });

  it("CREDITS: credits granted this period and left, no money fields", async () => {
    await f.customerOn("c-co", "credits");
    await f.track({ customerId: "c-co", feature: "images", idempotencyKey: "c1", value: "3" });
    expect(await wallet("c-co")).toEqual({
      ...NOTHING,
      credits: "70",
      planCredits: "70",
      planCreditsGranted: "100",
      purchasedCredits: "0",
    });
  });

  it("BALANCE: allowance granted this period and left, no credit fields", async () => {
    await f.customerOn("b-co", "balance");
    await f.track({ customerId: "b-co", feature: "api_calls", idempotencyKey: "b1", value: "1000" });
    expect(await wallet("b-co")).toEqual({
      ...NOTHING,
      balance: "95.70",
      allowance: "95.70",
      allowanceGranted: "100.00",
      topUps: "0.00",
      spent: "4.30",
      overage: "0.00",
    });
  });
});

describe("purchased credits carried to a BALANCE plan", () => {
  it("are kept and shown (not spendable there), and spendable again back on a CREDITS plan", async () => {
    await f.customerOn("mover", "credits");
    expect((await buyPack("mover", "buy-1")).data.purchaseCreditPack).toMatchObject({
      credits: "150",
      purchasedCredits: "50",
    });
    // 120 credits: the plan's 100, then 20 of the pack's 50.
    await f.track({ customerId: "mover", feature: "images", idempotencyKey: "i1", value: "12" });
    await changePlan("mover", "balance");
    expect(await wallet("mover")).toEqual({
      ...NOTHING,
      purchasedCredits: "30",
      balance: "100.00",
      allowance: "100.00",
      allowanceGranted: "100.00",
      topUps: "0.00",
      spent: "0.00",
      overage: "0.00",
    });
    await changePlan("mover", "credits");
    expect(await wallet("mover")).toEqual({
      ...NOTHING,
      credits: "130",
      planCredits: "100",
      planCreditsGranted: "100",
      purchasedCredits: "30",
    });
  });
});

describe("purchases are sold only on a plan that can spend them", () => {
  it("a credit pack on a METERED or BALANCE plan, or without a subscription, is refused and writes nothing", async () => {
    await f.customerOn("m-buyer", "metered");
    await f.customerOn("b-buyer", "balance");
    await f.customer("nobody");
    const before = await Promise.all(["m-buyer", "b-buyer", "nobody"].map(invoiceCount));

    const metered = await buyPack("m-buyer", "p1");
    expectError(metered, "BAD_USER_INPUT");
    expect(metered.errors![0]!.message).toBe(
      'customer "m-buyer" is on the METERED plan "metered", which cannot spend credits; credit packs can only be bought on a CREDITS plan',
    );
    expectError(await buyPack("b-buyer", "p1"), "BAD_USER_INPUT");
    const none = await buyPack("nobody", "p1");
    expectError(none, "NO_SUBSCRIPTION");
    expect(none.errors![0]!.message).toBe(
      'customer "nobody" has no active subscription; credit packs can only be bought on a CREDITS plan',
    );

    expect(await Promise.all(["m-buyer", "b-buyer", "nobody"].map(invoiceCount))).toEqual(before);
    for (const c of ["m-buyer", "b-buyer", "nobody"])
      expect(await getItem(api.deps.db, keys.purchase(c, "p1")), c).toBeUndefined();
    expect(await wallet("b-buyer")).toMatchObject({ purchasedCredits: null, balance: "100.00" });
  });

  it("a top-up on a METERED or CREDITS plan, or without a subscription, is refused and writes nothing", async () => {
    await f.customerOn("m-topper", "metered");
    await f.customerOn("c-topper", "credits");
    const c = await topUp("c-topper", "t1");
    expectError(c, "BAD_USER_INPUT");
    expect(c.errors![0]!.message).toBe(
      'customer "c-topper" is on the CREDITS plan "credits", which cannot spend a balance; top-ups can only be bought on a BALANCE plan',
    );
    expectError(await topUp("m-topper", "t1"), "BAD_USER_INPUT");
    expectError(await topUp("idle", "t1"), "NO_SUBSCRIPTION");
    expect(await invoiceCount("c-topper")).toBe(1); // the subscription's
    expect(await wallet("c-topper")).toMatchObject({ topUps: null, credits: "100" });
  });

  it("a retry of a pack bought on a CREDITS plan still replays after a change to BALANCE; a new one is refused", async () => {
    await f.customerOn("retrier", "credits");
    expect((await buyPack("retrier", "order-1")).errors).toBeUndefined();
    await changePlan("retrier", "balance");
    const invoices = await invoiceCount("retrier");

    const again = await buyPack("retrier", "order-1");
    expect(again.errors).toBeUndefined();
    expect(again.data.purchaseCreditPack).toMatchObject({ purchasedCredits: "50", credits: null, balance: "100.00" });
    expectError(await buyPack("retrier", "order-1", "other"), "NOT_FOUND"); // an unknown pack: before anything
    await f.pack("pack10", "10", "1");
    expectError(await buyPack("retrier", "order-1", "pack10"), "IDEMPOTENCY_KEY_REUSED");
    expectError(await buyPack("retrier", "order-2"), "BAD_USER_INPUT");
    expect(await invoiceCount("retrier")).toBe(invoices);
    expect(await wallet("retrier")).toMatchObject({ purchasedCredits: "50" });
  });
});
