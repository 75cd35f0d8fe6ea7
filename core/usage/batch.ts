/**
 * trackUsageBatch: up to 100 events, each accepted or refused on its own, in order. Events are
 * grouped by customer; a group is priced in memory against one wallet read, and its accepted
 * events go out in as few transactions as DynamoDB allows (100 items: up to 98 events, the wallet
 * and the events' timeline page; core/db/events.ts), split evenly.
 *
 * Keys recorded before (a retried batch, or part of one) are found with one BatchGetItem: when a
 * transaction is cancelled because some of its keys exist, or when elements were refused in
 * memory (a refusal first answers a replay). Replays answer from their stored events; the rest is
 * priced again, in the batch's order, without them and written as above. Anything else that
 * cancels a transaction (a race), or a replay appearing after that lookup, sends the group's
 * remaining elements to one trackUsage each, which decides each exactly as a single call would.
 *
 * Like trackUsage, a group prices against this process's cached wallet when it has one, so a
 * steady-state batch of 100 events is two transactions (50 + 50) and no read; the payloads'
 * entitlements are as of that view plus the batch's own events.
 */
import type { Deps } from "../deps";
import { DomainError, isDomainError } from "../errors";
import { applyCharge, combinedGuards, deltaOf, denial, type Charge } from "../models";
import { unitEntitlement } from "../entitlements";
import { getEvents, writeUsage } from "../db/events";
import { activeSubscription, type Subscription, type Wallet } from "../wallet";
import type { Plan } from "../plans/plan";
import { buildEvent, requestHash, type TrackRequest, type UsageEvent } from "./event";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { priceRequest } from "./price";
import { walletForWrite } from "./current";
import { rememberWallet } from "../db/wallet-cache";
import { trackUsage, type TrackResult } from "./track";
import { keyReused } from "./refusals";

export const MAX_BATCH = 100;
/** DynamoDB's 100 items per transaction, less the wallet and the timeline page. */
const EVENTS_PER_TRANSACTION = 98;

export type BatchResult = { ok: true; payload: TrackResult } | { ok: false; errorCode: string; errorMessage: string };

export async function trackUsageBatch(deps: Deps, inputs: TrackUsageInput[]): Promise<BatchResult[]> {
  if (inputs.length > MAX_BATCH) throw new DomainError("BAD_USER_INPUT", `a batch holds at most ${MAX_BATCH} events`);
  const results: BatchResult[] = new Array(inputs.length);
  const groups = new Map<string, { index: number; input: TrackUsageInput; request: TrackRequest }[]>();
  inputs.forEach((input, index) => {
    try {
      const request = parseTrackRequest(input);
      groups.set(request.customerId, [...(groups.get(request.customerId) ?? []), { index, input, request }]);
    } catch (error) {
      results[index] = failure(error);
    }
  });
  // Every group runs to its end before the batch answers, even when one fails: a group still
  // running after the caller was answered (and retried) would decide its elements again later, on a
  // state that moved meanwhile, and book events the retry had answered as refused.
  const settled = await Promise.allSettled([...groups.values()].map((group) => trackGroup(deps, group, results)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return results;
}

type Entry = { index: number; input: TrackUsageInput; request: TrackRequest };

/** `stored`: the events already recorded under the group's keys, once looked up. */
async function trackGroup(
  deps: Deps,
  group: Entry[],
  results: BatchResult[],
  stored?: Map<string, UsageEvent>,
): Promise<void> {
  const one = async (entry: Entry) => {
    results[entry.index] = await trackUsage(deps, entry.input).then(
      (payload) => ({ ok: true as const, payload }),
      failure,
    );
  };
  const keys = new Set(group.map((e) => e.request.idempotencyKey));
  const inOrder = async (entries: Entry[]) => {
    for (const entry of [...entries].sort((x, y) => x.index - y.index)) await one(entry);
  };
  if (keys.size !== group.length) return inOrder(group);
  // The cached view when there is one (no read). A refusal is never decided on it: when the view
  // refuses anything, the group is priced again on a fresh read.
  let priced: Priced | undefined;
  for (const cache of [true, false]) {
    priced = await priceGroup(deps, group, cache, stored);
    if (!priced?.refused.length || priced.current.trusted) break;
  }
  // An unknown customer is an error of its elements, not of the whole batch.
  if (!priced) return inOrder(group);
  const { current, sub, accepted, refused } = priced;
  for (const r of priced.replays) results[r.index] = r.result;
  const customerId = current.wallet.customerId;
  let view = current.wallet;
  const transactions = Math.ceil(accepted.length / EVENTS_PER_TRANSACTION);
  const size = Math.ceil(accepted.length / (transactions || 1));
  for (let start = 0; start < accepted.length; start += size) {
    const chunk = accepted.slice(start, start + size);
    const charges = chunk.map((a) => a.charge);
    // Asserting "depletes nothing": a chunk that would deplete falls back to single tracks, which publish the event.
    const result = await writeUsage(deps.db, {
      customerId,
      period: sub,
      events: chunk.map((a) => a.event),
      delta: deltaOf(charges),
      guards: combinedGuards(charges),
      noDepletion: true,
    });
    if (!result.ok) {
      if ("wallet" in result) rememberWallet(deps.db, result.wallet);
      const rest = [...accepted.slice(start).map((a) => a.entry), ...refused].sort((x, y) => x.index - y.index);
      // Replayed keys (the in-memory view counted them as new usage): find them all with one
      // read, then price and write the rest again, in the batch's order. Anything else (a race, a
      // replay the lookup did not see): one by one.
      if ("duplicates" in result && !stored) return trackGroup(deps, rest, results, await storedEvents(rest));
      return inOrder(rest);
    }
    view = chunk.reduce((w, a) => applyCharge(w, a.charge), view);
    view = { ...view, version: view.version + 1 };
    rememberWallet(deps.db, view);
    for (const a of chunk) results[a.entry.index] = { ok: true, payload: a.payload };
  }
  // Refused in memory: a replay of an accepted key answers as one (found with one read for all);
  // the others are decided exactly as a single call would decide them.
  const replays = refused.length && !stored ? await storedEvents(refused) : new Map<string, UsageEvent>();
  for (const entry of refused) {
    const existing = replays.get(entry.request.idempotencyKey);
    if (!existing) await one(entry);
    else results[entry.index] = replayResult(entry, existing, view, current.plan!);
  }

  async function storedEvents(entries: Entry[]) {
    return getEvents(
      deps.db,
      customerId,
      entries.map((e) => e.request.idempotencyKey),
    );
  }
}

/** A replayed element: its stored event, or IDEMPOTENCY_KEY_REUSED when it asked for something else. */
function replayResult(entry: Entry, existing: UsageEvent, wallet: Wallet, plan: Plan): BatchResult {
  if (existing.requestHash !== requestHash(entry.request)) return failure(keyReused(entry.request.idempotencyKey));
  const entitlement = unitEntitlement(wallet, plan, existing.feature);
  return { ok: true, payload: { event: existing, replayed: true, entitlement } };
}

type Priced = {
  current: Awaited<ReturnType<typeof walletForWrite>>;
  sub: Subscription;
  accepted: { entry: Entry; charge: Charge; event: UsageEvent; payload: TrackResult }[];
  refused: Entry[];
  /** Elements whose keys are in `stored`: answered as replays, at their place in the order. */
  replays: { index: number; result: BatchResult }[];
};

/** Prices a customer's elements in order against one view of the wallet (pure after the load). */
async function priceGroup(
  deps: Deps,
  group: Entry[],
  cache: boolean,
  stored?: Map<string, UsageEvent>,
): Promise<Priced | undefined> {
  const current = await walletForWrite(deps, group[0]!.request.customerId, { cache }).catch((e: unknown) =>
    isDomainError(e) ? undefined : Promise.reject(e),
  );
  const sub = current && activeSubscription(current.wallet);
  if (!current || !sub || !current.plan) return undefined;
  const { plan, now } = current;
  let wallet = current.wallet;
  const accepted: Priced["accepted"] = [];
  const refused: Entry[] = [];
  const replays: Priced["replays"] = [];
  for (const entry of group) {
    const existing = stored?.get(entry.request.idempotencyKey);
    if (existing) {
      replays.push({ index: entry.index, result: replayResult(entry, existing, wallet, plan) });
      continue;
    }
    const priced = await priceRequest(deps, plan, entry.request, sub, now).catch((e: unknown) =>
      isDomainError(e) ? e : Promise.reject(e),
    );
    if (isDomainError(priced) || denial(wallet, priced.charge)) {
      refused.push(entry);
      continue;
    }
    wallet = applyCharge(wallet, priced.charge);
    const event = buildEvent(entry.request, priced.charge, {
      timestamp: priced.timestamp,
      periodStart: sub.periodStart,
      planCode: plan.code,
      recordedAt: now,
    });
    const entitlement = unitEntitlement(wallet, plan, entry.request.feature);
    accepted.push({ entry, charge: priced.charge, event, payload: { event, replayed: false, entitlement } });
  }
  return { current, sub, accepted, refused, replays };
}

function failure(error: unknown): BatchResult {
  if (!isDomainError(error)) throw error;
  return { ok: false, errorCode: error.code, errorMessage: error.message };
}
