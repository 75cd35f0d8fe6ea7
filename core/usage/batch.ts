/**
 * trackUsageBatch: up to 100 events, each accepted or refused on its own, in order. Events are
 * grouped by customer; a group is priced in memory against one wallet read, and its accepted
 * events go out in as few transactions as DynamoDB allows (100 items: up to 98 events, the wallet
 * and the events' timeline page; core/db/events.ts), split evenly.
 *
 * Keys recorded before (a retried batch, or part of one) are found with one BatchGetItem: when a
 * transaction is cancelled because some of its keys exist, or when elements were refused in
 * memory (a refusal first answers a replay). Replays answer from their stored events; the rest is
 * priced again, in the batch's order, without them and written as above. A transaction conflict
 * on the wallet (another transaction in flight on it; nothing written) is written again as a
 * batch, a few times. Anything else that cancels a transaction (a race), or a replay appearing
 * after that lookup, sends the group's remaining elements to one trackUsage each, which decides
 * each exactly as a single call would.
 *
 * Like trackUsage, a group prices against this process's cached wallet when it has one, so a
 * steady-state batch of 100 events is two transactions (50 + 50) and no read; the payloads'
 * entitlements are as of that view plus the batch's own events.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { applyCharge, combinedGuards, deltaOf } from "../models";
import { getEvents } from "../db/events";
import { writeUsage } from "../db/usage-write";
import type { Wallet } from "../wallet";
import type { UsageEvent } from "./event";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { rememberWallet } from "../db/wallet-cache";
import { alarmsForWrite } from "../alerts/for-write";
import { trackUsage } from "./track";
import { backoffWindow } from "../retry";
import { failure, priceGroup, replayResult, type BatchResult, type Entry, type Priced } from "./batch-pricing";

export type { BatchResult } from "./batch-pricing";

export const MAX_BATCH = 100;
/** DynamoDB's 100 items per transaction, less the wallet and the timeline page. */
const EVENTS_PER_TRANSACTION = 98;

export async function trackUsageBatch(deps: Deps, inputs: TrackUsageInput[]): Promise<BatchResult[]> {
  if (inputs.length > MAX_BATCH) throw new DomainError("BAD_USER_INPUT", `a batch holds at most ${MAX_BATCH} events`);
  const results: BatchResult[] = new Array(inputs.length);
  const groups = new Map<string, Entry[]>();
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

/**
 * Times a group whose transaction met another in flight on the wallet (a TransactionConflict:
 * nothing written) is written again as a batch, after a jittered wait, before its elements go one
 * by one: two batches of one customer at once (several workers or Lambdas) otherwise turned a
 * conflict into one transaction per element.
 */
const CONFLICT_RETRIES = 3;

/** `stored`: the events already recorded under the group's keys, once looked up; `conflicts`: retries so far. */
async function trackGroup(
  deps: Deps,
  group: Entry[],
  results: BatchResult[],
  stored?: Map<string, UsageEvent>,
  conflicts = 0,
): Promise<void> {
  if (new Set(group.map((e) => e.request.idempotencyKey)).size !== group.length) return oneByOne(deps, group, results);
  const priced = await priceGroup(deps, group, stored);
  // An unknown customer is an error of its elements, not of the whole batch.
  if (!priced) return oneByOne(deps, group, results);
  for (const r of priced.replays) results[r.index] = r.result;
  const written = await writeAccepted(deps, priced, results);
  if ("failedAt" in written) {
    const rest = [...priced.accepted.slice(written.failedAt).map((a) => a.entry), ...priced.refused];
    // Replayed keys (the in-memory view counted them as new usage): find them all with one
    // read, then price and write the rest again, in the batch's order. Anything else (a race, a
    // replay the lookup did not see): one by one.
    if (written.duplicates && !stored) return trackGroup(deps, byIndex(rest), results, await storedEvents(deps, rest));
    if (written.conflict && conflicts < CONFLICT_RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * backoffWindow(conflicts + 1)));
      return trackGroup(deps, byIndex(rest), results, stored, conflicts + 1);
    }
    return oneByOne(deps, rest, results);
  }
  // Refused in memory: a replay of an accepted key answers as one (found with one read for all);
  // the others are decided exactly as a single call would decide them.
  const { refused, current } = priced;
  const replays = refused.length && !stored ? await storedEvents(deps, refused) : new Map<string, UsageEvent>();
  for (const entry of refused) {
    const existing = replays.get(entry.request.idempotencyKey);
    if (!existing) await oneByOne(deps, [entry], results);
    else results[entry.index] = replayResult(entry, existing, written.view, current.plan!);
  }
}

/**
 * Writes the accepted elements, split evenly over as few transactions as hold them, each asserting
 * that it depletes nothing and fires no threshold (a chunk that would falls back to single tracks,
 * which publish the event). Returns the view of the wallet after them, or where a transaction failed and whether
 * for keys recorded before.
 */
async function writeAccepted(
  deps: Deps,
  { current, sub, accepted }: Priced,
  results: BatchResult[],
): Promise<{ view: Wallet } | { failedAt: number; duplicates: boolean; conflict?: boolean }> {
  let view = current.wallet;
  const transactions = Math.ceil(accepted.length / EVENTS_PER_TRANSACTION);
  const size = Math.ceil(accepted.length / (transactions || 1));
  for (let start = 0; start < accepted.length; start += size) {
    const chunk = accepted.slice(start, start + size);
    const charges = chunk.map((a) => a.charge);
    const delta = deltaOf(charges);
    // A chunk checks the thresholds as a track does, but fires none: the one that would (on this
    // view, or on the wallet as it is, which fails the checks) goes to single tracks with the
    // rest, so a batch fires exactly what the same events tracked one by one fire (core/alerts).
    const alarms = alarmsForWrite(current.plan!, view, sub.periodStart, delta, current.now);
    if (alarms.plan.checks.some((c) => c.fires)) return { failedAt: start, duplicates: false };
    const result = await writeUsage(deps.db, {
      customerId: view.customerId,
      period: sub,
      events: chunk.map((a) => a.event),
      delta,
      guards: combinedGuards(charges),
      noDepletion: true,
      alarms,
    });
    if (!result.ok) {
      if ("wallet" in result) rememberWallet(deps.db, result.wallet);
      return { failedAt: start, duplicates: "duplicates" in result, conflict: "conflict" in result };
    }
    view = chunk.reduce((w, a) => applyCharge(w, a.charge), view);
    view = { ...view, version: view.version + 1 };
    rememberWallet(deps.db, view);
    for (const a of chunk) results[a.entry.index] = { ok: true, payload: a.payload };
  }
  return { view };
}

/** Elements decided one by one, in the batch's order, exactly as single calls decide them. */
async function oneByOne(deps: Deps, entries: Entry[], results: BatchResult[]): Promise<void> {
  for (const entry of byIndex(entries)) {
    results[entry.index] = await trackUsage(deps, entry.input).then(
      (payload) => ({ ok: true as const, payload }),
      failure,
    );
  }
}

const byIndex = (entries: Entry[]) => [...entries].sort((x, y) => x.index - y.index);

const storedEvents = (deps: Deps, entries: Entry[]) =>
  getEvents(
    deps.db,
    entries[0]!.request.customerId,
    entries.map((e) => e.request.idempotencyKey),
  );
