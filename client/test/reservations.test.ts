/**
 * usage.reserve / settle / release of @ai-billing/client against the real API over HTTP: a hold,
 * a settle below it (the rest back), a replayed settle, a release, a generated key reused on a retry
 * of the same call, and a refusal thrown as a typed error.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BillingClient, createBillingClient, isBillingError } from "../src/index.js";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
let client: BillingClient;

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await f.features({ images: "METERED" });
  await f.plan({
    code: "credits",
    model: "CREDITS",
    includedCredits: "30",
    features: [{ feature: "images", creditsPerUnit: "10" }],
  });
  await f.customerOn("acme", "credits");
  client = createBillingClient({ url: api.url, apiKey: TEST_KEY });
});
afterAll(() => api?.close());

it("reserve holds, settle records the actual usage and returns the rest, a second settle replays, release gives back", async () => {
  const held = await client.usage.reserve({ customerId: "acme", feature: "images", value: 2 });
  expect(held).toMatchObject({ status: "HELD", value: "2", credits: "20", amount: null, customerId: "acme" });
  expect(held.idempotencyKey).toMatch(/^[A-Za-z0-9_-]+$/);
  expect((await client.customers.get("acme"))?.wallet).toMatchObject({ credits: "10", heldCredits: "20" });

  const settled = await client.usage.settle(held.id, { value: 1 });
  expect(settled).toMatchObject({
    replayed: false,
    capped: false,
    reservation: { status: "SETTLED" },
    event: { idempotencyKey: held.idempotencyKey, value: "1", credits: "10" },
    entitlement: { credits: "20" },
  });
  expect((await client.usage.settle(held.id, { value: 1 })).replayed).toBe(true);

  const other = await client.usage.reserve({
    customerId: "acme",
    feature: "images",
    idempotencyKey: "job-2",
    value: 1,
  });
  expect(
    await client.usage.reserve({ customerId: "acme", feature: "images", idempotencyKey: "job-2", value: 1 }),
  ).toEqual(other);
  expect((await client.usage.release(other.id)).status).toBe("RELEASED");
  expect((await client.customers.get("acme"))?.wallet).toMatchObject({ credits: "20", heldCredits: "0" });
});

it("a refusal is a typed error, not retried", async () => {
  const error = await client.usage.reserve({ customerId: "acme", feature: "images", value: 3 }).catch((e) => e);
  expect(isBillingError(error) && error.code).toBe("INSUFFICIENT_CREDITS");
  const settle = await client.usage.settle("rsv_nothing", { value: 1 }).catch((e) => e);
  expect(isBillingError(settle) && settle.code).toBe("NOT_FOUND");
});
