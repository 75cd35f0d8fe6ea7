/**
 * trackUsageBatch: up to 100 events, each accepted or refused on its own, in order. Events are
 * grouped by customer; a group is priced in memory against one wallet read, and its accepted
 * events go out in as few transactions as DynamoDB allows (100 items: up to 98 events, the wallet
 * and the events' timeline page; core/db/events.ts), split evenly. When a
 * transaction is cancelled (a replayed key, a race), its events and the rest of the group fall
 * back to one trackUsage each, which decides each exactly as a single call would.
 *
 * Like trackUsage, a group prices against this process's cached wallet when it has one, so a
 * steady-state batch of 100 events is two transactions (50 + 50) and no read; the payloads'
 * entitlements are as of that view plus the batch's own events.
 */
import type { Deps } from "../deps";
import { min } from "../money";
import { DomainError, isDomainError } from "../errors";
import { applyCharge, denial } from "../models";
import type { Charge, Guard } from "../models/types";
import { evaluateEntitlement } from "../entitlements";
import { writeUsage } from "../db/events";
import { activeSubscription, type Subscription, type Wallet } from "../wallet";
import { buildEvent, type TrackRequest, type UsageEvent } from "./event";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { priceRequest } from "./price";
import { walletForWrite } from "./current";
import { rememberWallet } from "../db/wallet-cache";
import { deltaOf, trackUsage, type TrackResult } from "./track";

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
  await Promise.all([...groups.values()].map((group) => trackGroup(deps, group, results)));
  return results;
}

type Entry = { index: number; input: TrackUsageInput; request: TrackRequest };

async function trackGroup(deps: Deps, group: Entry[], results: BatchResult[]): Promise<void> {
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
    priced = await priceGroup(deps, group, cache);
    if (!priced?.refused.length || priced.current.trusted) break;
  }
  // An unknown customer is an error of its elements, not of the whole batch.
  if (!priced) return inOrder(group);
  const { current, sub, wallet, accepted, refused } = priced;
  let written = 0;
  const transactions = Math.ceil(accepted.length / EVENTS_PER_TRANSACTION);
  const size = Math.ceil(accepted.length / (transactions || 1));
  for (let start = 0; start < accepted.length; start += size) {
    const chunk = accepted.slice(start, start + size);
    const charges = chunk.map((a) => a.charge);
    // Asserting "depletes nothing": a chunk that would deplete falls back to single tracks, which publish the event.
    const result = await writeUsage(
      deps.db,
      wallet.customerId,
      sub,
      chunk.map((a) => a.event),
      deltaOf(charges),
      combinedGuards(charges),
      true,
    );
    if (!result.ok) {
      // A replayed key or a race: everything not yet written is decided one by one, in the
      // batch's order (the in-memory view may have counted a replay as new usage).
      if ("wallet" in result) rememberWallet(deps.db, result.wallet);
      return inOrder([...accepted.slice(start).map((a) => a.entry), ...refused]);
    }
    written++;
    for (const a of chunk) results[a.entry.index] = { ok: true, payload: a.payload };
  }
  if (written === transactions && written > 0) {
    rememberWallet(deps.db, { ...wallet, version: current.wallet.version + written });
  }
  // Refused in memory: decided (or replayed) exactly as a single call would decide them.
  for (const entry of refused) await one(entry);
}

type Priced = {
  current: Awaited<ReturnType<typeof walletForWrite>>;
  sub: Subscription;
  wallet: Wallet;
  accepted: { entry: Entry; charge: Charge; event: UsageEvent; payload: TrackResult }[];
  refused: Entry[];
};

/** Prices a customer's elements in order against one view of the wallet (pure after the load). */
async function priceGroup(deps: Deps, group: Entry[], cache: boolean): Promise<Priced | undefined> {
  const current = await walletForWrite(deps, group[0]!.request.customerId, { cache }).catch((e: unknown) =>
    isDomainError(e) ? undefined : Promise.reject(e),
  );
  const sub = current && activeSubscription(current.wallet);
  if (!current || !sub || !current.plan) return undefined;
  const { plan, now } = current;
  let wallet = current.wallet;
  const accepted: Priced["accepted"] = [];
  const refused: Entry[] = [];
  for (const entry of group) {
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
    const entitlement = evaluateEntitlement(wallet, plan, entry.request.feature, 10n ** 12n);
    accepted.push({ entry, charge: priced.charge, event, payload: { event, replayed: false, entitlement } });
  }
  return { current, sub, wallet, accepted, refused };
}

/**
 * The guards of several charges as one condition on the wallet before all of them: the sums
 * must fit. Equivalent to checking each in turn, because every charge only ever consumes.
 */
function combinedGuards(charges: Charge[]): Guard[] {
  let credits: bigint | undefined;
  let balance: bigint | undefined;
  const limits = new Map<string, bigint>();
  const quantity = new Map<string, bigint>();
  for (const c of charges) {
    quantity.set(c.feature, (quantity.get(c.feature) ?? 0n) + c.quantity);
    for (const g of c.guards) {
      if (g.kind === "credits") credits = (credits ?? 0n) + g.atLeast;
      else if (g.kind === "balance") balance = (balance ?? 0n) + g.atLeast;
      else {
        const limit = g.atMost + c.quantity;
        limits.set(g.feature, min(limit, limits.get(g.feature) ?? limit));
      }
    }
  }
  return [
    ...(credits !== undefined ? [{ kind: "credits" as const, atLeast: credits }] : []),
    ...(balance !== undefined ? [{ kind: "balance" as const, atLeast: balance }] : []),
    ...[...limits].map(([feature, limit]) => ({
      kind: "limit" as const,
      feature,
      atMost: limit - (quantity.get(feature) ?? 0n),
    })),
  ];
}

function failure(error: unknown): BatchResult {
  if (!isDomainError(error)) throw error;
  return { ok: false, errorCode: error.code, errorMessage: error.message };
}
