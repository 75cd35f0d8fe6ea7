/**
 * A call answers only once all the work it started has finished, also when part of it fails.
 * Found by the reliability simulation (seed 303, under load): a batch failed on one customer's
 * write while another customer's group in it was still deciding; the client retried, the retry
 * refused that customer's `api_calls` (not in its plan), a scheduled plan change then gave it
 * `api_calls`, and the group left running from the first attempt booked them into the new period:
 * events the client had been told were refused. The sweeper had the same shape (a worker that
 * could not read the due index failed the sweep while the others went on closing).
 *
 * The timing is forced, not waited for: the other part's request is held until the failure has
 * happened, and the call must not have answered by then.
 */
import { describe, expect, it } from "vitest";
import type { Deps } from "../../core/deps";
import { createTestDeps } from "../support/db";
import { createFeature } from "../../core/features";
import { createPlan } from "../../core/plans";
import { createCustomer } from "../../core/customers";
import { changePlan, subscribe } from "../../core/subscriptions";
import { migrateSubscribers } from "../../core/subscriptions/migrate";
import { trackUsageBatch } from "../../core/usage/batch";
import { closeDuePeriods } from "../../core/periods/sweep";
import { getEvent } from "../../core/db/events";
import { listInvoices } from "../../core/db/invoices";
import { getWallet } from "../../core/db/wallets";
import { DUE_SHARDS, shardOf, TABLE } from "../../core/db/keys";
import { currentWallet } from "../../core/usage/current";

const S = 10n ** 12n;
const text = (input: unknown) => JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));

/**
 * While armed: the first request `fails` matches is refused before it is sent (a connection
 * reset), the first request `holds` matches waits for `release`. `ready`: both have happened.
 */
function forceTiming(
  deps: Deps,
  fails: (command: string, input: string) => boolean,
  holds: (command: string, input: string) => boolean,
) {
  let failed!: () => void;
  let held!: () => void;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const ready = Promise.all([new Promise<void>((r) => (failed = r)), new Promise<void>((r) => (held = r))]);
  let failing = true;
  let holding = true;
  deps.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      if (failing && fails(command, text(args.input))) {
        failing = false;
        failed();
        throw Object.assign(new Error("injected: read ECONNRESET"), { code: "ECONNRESET" });
      }
      if (holding && holds(command, text(args.input))) {
        holding = false;
        held();
        await gate;
      }
      return next(args);
    },
    { step: "initialize", name: "forceTiming" },
  );
  return { ready, release };
}

/** `promise`'s outcome, pushed to the returned list when it settles. */
function watch(promise: Promise<unknown>): { answers: string[]; settled: Promise<unknown> } {
  const answers: string[] = [];
  const settled = promise.then(
    () => answers.push("ok"),
    (e: unknown) => answers.push(String(e)),
  );
  return { answers, settled };
}

/** Everything that follows the failure without I/O has run by then. */
const afterMicrotasks = () => new Promise((r) => setImmediate(r));

async function meteredPlans(deps: Deps) {
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  await createFeature(deps, { code: "images", name: "Images", kind: "METERED" });
  for (const [code, feature] of [
    ["calls", "api_calls"],
    ["pictures", "images"],
  ] as const) {
    await createPlan(deps, {
      code,
      name: code,
      model: "METERED",
      basePrice: 10n * S,
      interval: "MONTH",
      features: [{ feature, included: 0n, overagePrice: S / 100n }],
    });
  }
}

describe("a batch whose write fails for one customer", () => {
  it("answers after the other customers' elements are decided, so nothing of it is booked after its answer", async () => {
    const deps = await createTestDeps();
    await meteredPlans(deps);
    for (const [id, plan] of [
      ["a", "calls"],
      ["b", "pictures"],
    ] as const) {
      await createCustomer(deps, { id });
      await subscribe(deps, id, plan);
    }
    // a's usage transaction fails before it is sent; b's replay lookup (its element was refused) waits.
    const timing = forceTiming(
      deps,
      (command, input) => command === "TransactWriteItemsCommand" && input.includes('"a-1"'),
      (command, input) => command === "BatchGetItemCommand" && input.includes('"b-1"'),
    );
    const events = [
      { customerId: "a", feature: "api_calls", idempotencyKey: "a-1", value: 3n * S },
      { customerId: "b", feature: "api_calls", idempotencyKey: "b-1", value: 7n * S },
    ];

    const first = watch(trackUsageBatch(deps, events));
    await timing.ready;
    await afterMicrotasks();
    expect(first.answers, "the batch answered while b's elements were still being decided").toEqual([]);
    timing.release();
    await first.settled;
    expect(first.answers).toEqual(["Error: injected: read ECONNRESET"]);

    // The client retries the same batch: a is booked, b is refused (api_calls is not in its plan).
    const retry = await trackUsageBatch(deps, events);
    expect(retry.map((r) => (r.ok ? r.payload.replayed : r.errorCode))).toEqual([false, "FEATURE_NOT_IN_PLAN"]);
    // b's plan then gains api_calls: what b was told was refused stays unbooked.
    await changePlan(deps, "b", "calls", "IMMEDIATE");
    expect(await getEvent(deps.db, "b", "b-1")).toBeUndefined();
    expect((await currentWallet(deps, "b")).wallet.usage).toEqual({});
    expect((await currentWallet(deps, "a")).wallet.usage).toEqual({ api_calls: 3n * S });
  });
});

describe("a sweep that cannot read the due index", () => {
  it("fails only once the close it is in has finished", async () => {
    const deps = await createTestDeps();
    await meteredPlans(deps);
    // A customer whose due shard is not the last: the shards after it are read after it is found.
    const id = ["x1", "x2", "x3", "x4"].find((c) => shardOf(c, DUE_SHARDS) < DUE_SHARDS - 1)!;
    const shard = shardOf(id, DUE_SHARDS);
    await createCustomer(deps, { id });
    await subscribe(deps, id, "calls");
    await deps.clock.advance(new Date("2026-02-02T00:00:00.000Z"));
    const dueShardRead = (input: string) => {
      const read = JSON.parse(input) as { IndexName?: string; ExpressionAttributeValues?: { ":pk"?: string } };
      const pk = read.IndexName === TABLE.dueIndex.name ? read.ExpressionAttributeValues?.[":pk"] : undefined;
      return pk === undefined ? -1 : Number(pk.split("#")[1]);
    };
    // The read of a later shard fails; the close of the customer found (its wallet read) waits.
    const timing = forceTiming(
      deps,
      (command, input) => command === "QueryCommand" && dueShardRead(input) > shard,
      (command, input) => command === "GetItemCommand" && input.includes(`"CUSTOMER#${id}"`),
    );

    const sweep = watch(closeDuePeriods(deps, { concurrency: 2 }));
    await timing.ready;
    await afterMicrotasks();
    expect(sweep.answers, "the sweep answered while a close of it was still running").toEqual([]);
    timing.release();
    await sweep.settled;
    expect(sweep.answers).toEqual(["Error: injected: read ECONNRESET"]);
    // The close that was running finished before the answer: the stored period is the next one.
    expect((await getWallet(deps.db, id))?.subscription?.periodStart).toBe("2026-02-01T00:00:00.000Z");
    // The close's invoice, then the subscription's.
    expect((await listInvoices(deps.db, id)).map((i) => i.number)).toEqual(["INV-000002", "INV-000001"]);
  });
});

describe("a migration whose move fails for one subscriber", () => {
  it("answers after the other moves it started have finished", async () => {
    const deps = await createTestDeps();
    await meteredPlans(deps);
    for (const id of ["a", "b"]) {
      await createCustomer(deps, { id });
      await subscribe(deps, id, "calls");
    }
    // a's wallet read fails before it is sent; b's, in the same group of moves, waits.
    const timing = forceTiming(
      deps,
      (command, input) => command === "GetItemCommand" && input.includes('"CUSTOMER#a"'),
      (command, input) => command === "GetItemCommand" && input.includes('"CUSTOMER#b"'),
    );
    const run = watch(migrateSubscribers(deps, "calls", "pictures", "IMMEDIATE"));
    await timing.ready;
    await afterMicrotasks();
    expect(run.answers, "the migration answered while b's move was still running").toEqual([]);
    timing.release();
    await run.settled;
    expect(run.answers).toEqual(["Error: injected: read ECONNRESET"]);
    // b was moved before the answer; the next call moves a, and then no one is left.
    expect((await getWallet(deps.db, "b"))?.subscription?.planCode).toBe("pictures");
    expect(await migrateSubscribers(deps, "calls", "pictures", "IMMEDIATE")).toBe(1);
    expect(await migrateSubscribers(deps, "calls", "pictures", "IMMEDIATE")).toBe(0);
  });
});
