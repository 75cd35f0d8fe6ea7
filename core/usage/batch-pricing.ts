/**
 * Pricing a batch's elements of one customer, in order, against one view of the wallet (pure after
 * the load): each is accepted (the view moves on by its charge), refused, or, when its key was
 * recorded before, answered as a replay.
 */
import type { Deps } from "../deps";
import { isDomainError } from "../errors";
import { applyCharge, denial, type Charge } from "../models";
import { unitEntitlement } from "../entitlements";
import type { Plan } from "../plans/plan";
import { activeSubscription, type Subscription, type Wallet } from "../wallet";
import { buildEvent, requestHash, type TrackRequest, type UsageEvent } from "./event";
import type { TrackUsageInput } from "./input";
import { priceRequest } from "./price";
import { walletForWrite } from "./current";
import type { TrackResult } from "./track";
import { keyReused } from "./refusals";

export type BatchResult = { ok: true; payload: TrackResult } | { ok: false; errorCode: string; errorMessage: string };

/** One element of the batch: its place, what was sent, and the request parsed from it. */
export type Entry = { index: number; input: TrackUsageInput; request: TrackRequest };

export type Priced = {
  current: Awaited<ReturnType<typeof walletForWrite>>;
  sub: Subscription;
  accepted: { entry: Entry; charge: Charge; event: UsageEvent; payload: TrackResult }[];
  refused: Entry[];
  /** Elements whose keys are in `stored`: answered as replays, at their place in the order. */
  replays: { index: number; result: BatchResult }[];
};

/**
 * The group priced on the cached view when there is one (no read). A refusal is never decided on
 * it: when the view refuses anything, the group is priced again on a fresh read. Undefined when
 * the customer is unknown or has no plan to price with. `stored`: the events already recorded
 * under the group's keys, once looked up.
 */
export async function priceGroup(
  deps: Deps,
  group: Entry[],
  stored?: Map<string, UsageEvent>,
): Promise<Priced | undefined> {
  const cached = await priceOnView(deps, group, true, stored);
  if (!cached?.refused.length || cached.current.trusted) return cached;
  return priceOnView(deps, group, false, stored);
}

async function priceOnView(
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
  const priced: Priced = { current, sub, accepted: [], refused: [], replays: [] };
  for (const entry of group) {
    const existing = stored?.get(entry.request.idempotencyKey);
    if (existing) {
      priced.replays.push({ index: entry.index, result: replayResult(entry, existing, wallet, plan) });
      continue;
    }
    const price = await priceRequest(deps, plan, entry.request, sub, now).catch((e: unknown) =>
      isDomainError(e) ? e : Promise.reject(e),
    );
    if (isDomainError(price) || denial(wallet, price.charge)) {
      priced.refused.push(entry);
      continue;
    }
    wallet = applyCharge(wallet, price.charge);
    const at = { timestamp: price.timestamp, periodStart: sub.periodStart, planCode: plan.code, recordedAt: now };
    const event = buildEvent(entry.request, price.charge, at);
    const entitlement = unitEntitlement(wallet, plan, entry.request.feature);
    priced.accepted.push({ entry, charge: price.charge, event, payload: { event, replayed: false, entitlement } });
  }
  return priced;
}

/** A replayed element: its stored event, or IDEMPOTENCY_KEY_REUSED when it asked for something else. */
export function replayResult(entry: Entry, existing: UsageEvent, wallet: Wallet, plan: Plan): BatchResult {
  if (existing.requestHash !== requestHash(entry.request)) return failure(keyReused(entry.request.idempotencyKey));
  const entitlement = unitEntitlement(wallet, plan, existing.feature);
  return { ok: true, payload: { event: existing, replayed: true, entitlement } };
}

/** A domain error as an element's answer; anything else fails the whole batch. */
export function failure(error: unknown): BatchResult {
  if (!isDomainError(error)) throw error;
  return { ok: false, errorCode: error.code, errorMessage: error.message };
}
