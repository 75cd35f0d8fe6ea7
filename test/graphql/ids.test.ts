/**
 * IDs other systems hand out, over HTTP: Auth0's `auth0|...`, base64 (`+`, `/`, `=`) and
 * base64url ids as customer ids and idempotency keys, through every path that builds a key from
 * them: create, subscribe, track and batch, entitlement, the event list and its cursors, a pack,
 * a customer token, a period closed by the sweeper, invoices, and the audit log. `#`, the key
 * separator, stays refused everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../core/db/keys";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    clockStart: "2026-05-01T00:00:00.000Z",
    features: { images: "METERED" },
    plans: {
      daily: {
        model: "CREDITS",
        interval: "DAY",
        basePrice: "2",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
    },
    packs: { "pack/50+": { credits: "50", price: "5" } },
  }));
});
afterAll(() => api?.close());

/** One per new character, and all of them together at full length. */
const IDS = ["auth0|64f1c2a9e1b2c3d4e5f60718", "a+b", "dXNlci8xMjM/", "Y3VzdG9tZXI=", `x|+/=${"z".repeat(123)}`];

const page = async (c: string, first: number, after?: string) =>
  (
    await api.ok(
      `query($c: ID!, $n: Int, $a: String) { customer(id: $c) { events(first: $n, after: $a) { edges { cursor node { idempotencyKey customerId value } } pageInfo { hasNextPage endCursor } } } }`,
      { c, n: first, a: after },
    )
  ).customer.events;

describe.each(IDS)("customer id %s", (id) => {
  it("is created, subscribed, tracked, listed, billed and closed by the sweeper, with keys of the same characters", async () => {
    const created = await api.ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, {
      i: { id },
    });
    expect(created.createCustomer.id).toBe(id);
    const sub = await f.subscribe(id, "daily");
    expect(sub.errors).toBeUndefined();

    // Idempotency keys with the same characters, single and batched.
    const single = await f.track({ customerId: id, feature: "images", idempotencyKey: `k|1+/=`, value: "1" });
    expect(single.data.trackUsage.event).toMatchObject({ idempotencyKey: "k|1+/=", customerId: id, credits: "10" });
    const batch = await f.trackBatch(
      ["k/2", "k+3", "k=4"].map((k) => ({ customerId: id, feature: "images", idempotencyKey: k, value: "1" })),
    );
    expect(batch.data.trackUsageBatch.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, true]);
    expect((await f.track({ customerId: id, feature: "images", idempotencyKey: `k|1+/=`, value: "1" })).data).toEqual(
      expect.objectContaining({ trackUsage: expect.objectContaining({ replayed: true }) }),
    );
    const bought = await api.gql(
      `mutation($c: ID!) { purchaseCreditPack(customerId: $c, packCode: "pack/50+", idempotencyKey: "o|r+d/e=r") { credits } }`,
      { c: id },
    );
    expect(bought.data.purchaseCreditPack).toEqual({ credits: "110" });
    const check = await api.ok(
      `query($c: ID!) { entitlement(customerId: $c, feature: "images", amount: "11") { allowed reason credits } }`,
      { c: id },
    );
    expect(check.entitlement).toEqual({ allowed: true, reason: null, credits: "110" });

    // The list, one at a time through its cursors (which hold the ids).
    const listed: string[] = [];
    for (let after: string | undefined; ; ) {
      const p = await page(id, 1, after);
      listed.push(...p.edges.map((e: { node: { idempotencyKey: string } }) => e.node.idempotencyKey));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(listed).toEqual(["k=4", "k+3", "k/2", "k|1+/="]);

    // A customer token of this customer reads it.
    const token = (await api.ok(`mutation($c: ID!) { createCustomerToken(customerId: $c) { token } }`, { c: id }))
      .createCustomerToken.token;
    const own = await api.gql(
      `query($c: ID!) { customer(id: $c) { id wallet { credits } } }`,
      { c: id },
      { key: token },
    );
    expect(own.data).toEqual({ customer: { id, wallet: { credits: "110" } } });
  });
});

describe("the sweeper over these ids", () => {
  it("closes every one's period a day later and issues its invoice, and the audit log names them exactly", async () => {
    await f.advanceClock("2026-05-02T00:00:01.000Z");
    expect((await api.ok(`mutation { closeDuePeriods }`)).closeDuePeriods).toBe(IDS.length);
    for (const id of IDS) {
      const invoices = await f.invoices(id);
      // Newest first: the close of May 1 (the next day's base fee), the pack, the subscription.
      expect(
        invoices.map((i) => i.total),
        id,
      ).toEqual(["2.00", "5.00", "2.00"]);
      expect([invoices[0].periodStart, invoices[0].periodEnd]).toEqual([
        "2026-05-01T00:00:00.000Z",
        "2026-05-02T00:00:00.000Z",
      ]);
      const { customer } = await api.ok(
        `query($c: ID!) { customer(id: $c) { subscription { currentPeriodStart } wallet { planCredits purchasedCredits } invoices { id customerId } } }`,
        { c: id },
      );
      expect(customer.subscription.currentPeriodStart).toBe("2026-05-02T00:00:00.000Z");
      expect(customer.wallet).toEqual({ planCredits: "100", purchasedCredits: "50" });
      const invoice = await api.ok(`query($i: ID!) { invoice(id: $i) { customerId } }`, { i: customer.invoices[0].id });
      expect(invoice.invoice.customerId).toBe(id);
    }
    const subscribed = api.audit.filter((e) => e.operation === "subscribe").map((e) => e.targets[0]);
    expect(subscribed).toEqual(IDS);
    expect(api.audit.find((e) => e.operation === "trackUsageBatch")?.targets).toEqual(
      expect.arrayContaining([IDS[0], "k/2", "k+3", "k=4"]),
    );
  });
});

describe("the key separator", () => {
  it("# is refused in a customer id, an idempotency key and a code, and no key is ever built from it", async () => {
    const refused = await api.gql(`mutation { createCustomer(input: { id: "a#b" }) { id } }`);
    expectError(refused, "BAD_USER_INPUT");
    expect(refused.errors![0]!.message).toContain("letters, digits and _ - . : @ | + / =");
    expectError(
      await api.gql(
        `mutation { trackUsage(input: { customerId: "a+b", feature: "images", idempotencyKey: "k#1" }) { replayed } }`,
      ),
      "BAD_USER_INPUT",
    );
    expectError(
      await api.gql(`mutation { createFeature(input: { code: "f#1", name: "F", kind: BOOLEAN }) { code } }`),
      "BAD_USER_INPUT",
    );
    expect(() => keys.customer("a#b")).toThrow("a key part must not contain #");
    expect(() => keys.event("a", "PAGE#x")).toThrow("a key part must not contain #");
    expect(() => keys.due("a#b", "2026-01-01T00:00:00.000Z")).toThrow("a key part must not contain #");
  });
});
