/**
 * The AWS SDK is loaded on first use (core/db/client.ts, core/db/sdk.ts): a Db that has only
 * tracked usage and checked entitlements has not loaded it (a Lambda's cold start and first track
 * do not pay for it), and the first call that needs it (a Query) loads it and works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../core/clock";
import { createDb } from "../../core/db/client";
import { getItem, queryPrefix } from "../../core/db/items";
import { keys } from "../../core/db/keys";
import { RecordingPublisher, type Deps } from "../../core/deps";
import { checkEntitlement } from "../../core/entitlements";
import { trackUsage } from "../../core/usage/track";
import { dynamoEndpoint } from "../support/dynamo-endpoint";
import { fixtures } from "../support/fixtures";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
let lazy: Deps;

beforeAll(async () => {
  api = await startTestApi();
  const f = fixtures(api);
  await f.feature("api_calls");
  await f.plan({
    code: "metered",
    model: "METERED",
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  });
  await f.customerOn("acme", "metered");
  // A fresh process's Db on the same table, at the seeded server's time (the stored test clock is
  // read through the SDK, so this clock is fixed instead).
  const now = await api.deps.clock.now();
  const clock: Clock = { mode: "test", now: async () => now, advance: api.deps.clock.advance };
  lazy = {
    db: createDb({ table: api.deps.db.table, endpoint: dynamoEndpoint() }),
    clock,
    publisher: new RecordingPublisher(),
  };
});
afterAll(() => api?.close());

describe("the AWS SDK, loaded lazily", () => {
  it("is not loaded by tracks and entitlement checks, and is loaded by the first call that needs it", async () => {
    const first = await trackUsage(lazy, { customerId: "acme", feature: "api_calls", idempotencyKey: "lazy-1" });
    expect(first.replayed).toBe(false);
    await trackUsage(lazy, { customerId: "acme", feature: "api_calls", idempotencyKey: "lazy-2", value: 2n });
    expect(
      (await trackUsage(lazy, { customerId: "acme", feature: "api_calls", idempotencyKey: "lazy-1" })).replayed,
    ).toBe(true);
    const check = await checkEntitlement(lazy, "acme", "api_calls", 1n);
    expect(check.allowed).toBe(true);
    expect(check).toEqual(await checkEntitlement(api.deps, "acme", "api_calls", 1n));
    expect(() => lazy.db.raw).toThrow("the SDK is not loaded yet");

    const [wallet] = await queryPrefix(lazy.db, keys.customerPartition("acme"), keys.wallet("acme").sk);
    expect(wallet).toEqual(await getItem(api.deps.db, keys.wallet("acme")));
    expect(lazy.db.raw).toBeDefined();
  });
});
