/**
 * Closing a customer's ended billing periods: one transaction, conditioned on the wallet it read,
 * that renews the wallet and writes the invoices (each closed period's overage and the next
 * period's base fee). Running it twice, late, or concurrently with tracking bills once: the
 * loser's condition fails, nothing of it is written, and it reads the winner's result.
 *
 * A customer far behind (a sweeper that did not run, a test clock moved years ahead) is caught up
 * by one worker: the closes due are computed in memory, oldest first, and written many to a
 * transaction (core/periods/catch-up.ts). When that takes more than one transaction, the worker
 * first claims a lease on the wallet (wall-clock time, renewed with each write, released with the
 * last), so overlapping sweepers skip the customer and writes that find its period over wait for
 * the catch-up instead of fighting it. A worker that dies leaves a lease that expires.
 */
import { randomUUID } from "node:crypto";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { Backoff, CONFLICT_ATTEMPTS } from "../retry";
import { activeSubscription, isDue, type Subscription, type Wallet } from "../wallet";
import { loadWallet } from "../usage/load";
import { claimCloseLease } from "../db/wallets";
import type { LeaseChange } from "../db/period-update";
import { writePeriodChange } from "../db/subscriptions";
import { publish } from "../events/publish";
import { planCloses, type PlannedCloses } from "./catch-up";
import { issueDue } from "./grace";

/** How long a catch-up's lease lives without a write renewing it. */
const LEASE_MS = 15_000;
/** How long a write waits for another worker's catch-up of its customer before answering CONFLICT (the API Lambda times out at 29 s). */
const WAIT_MS = 20_000;

/** Closes every ended period of the wallet (oldest first) and returns the wallet as it is now. */
export async function closeIfDue(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  return (await closeDue(deps, wallet, now)).wallet;
}

export type CloseOutcome = { wallet: Wallet; closed: number; skipped: boolean };

/** One call's catch-up of one customer: the wallet as it last knew it, and whether it holds the lease. */
type Worker = {
  owner: string;
  current: Wallet;
  holding: boolean;
  closed: number;
  waitUntil: number;
  lost: Backoff;
};

/**
 * The same, counting the closes this call wrote (not those another writer won). When another
 * worker holds the customer's catch-up lease: `onLeased: "wait"` (writes) waits for it to finish,
 * `"skip"` (the sweeper) returns at once with `skipped`.
 */
export async function closeDue(
  deps: Deps,
  wallet: Wallet,
  now: Date,
  options: { onLeased?: "wait" | "skip" } = {},
): Promise<CloseOutcome> {
  const worker: Worker = {
    owner: randomUUID(),
    current: wallet,
    holding: false,
    closed: 0,
    waitUntil: Date.now() + WAIT_MS,
    lost: new Backoff({
      attempts: CONFLICT_ATTEMPTS,
      exhausted: () => new DomainError("CONFLICT", "the billing period could not be closed under contention; retry"),
    }),
  };
  for (let sub = dueSubscription(worker.current, now); sub; sub = dueSubscription(worker.current, now)) {
    const lease = worker.current.closeLease;
    if (lease && lease.owner !== worker.owner && lease.until > Date.now()) {
      if (options.onLeased === "skip") return { wallet: worker.current, closed: worker.closed, skipped: true };
      await waitForOtherWorker(deps, worker);
      continue;
    }
    const step = await planCloses(deps, worker.current, now);
    // More periods due than one transaction holds: claim the customer before writing any.
    if (step.more && !worker.holding) await claimLease(deps, worker);
    else if (!(await writeCloses(deps, worker, step))) await lostRace(deps, worker, sub);
  }
  return { wallet: worker.current, closed: worker.closed, skipped: false };
}

/** The subscription if a close (or a trial's reminder) is due. */
const dueSubscription = (wallet: Wallet, now: Date) => {
  const sub = activeSubscription(wallet);
  if (sub && isDue(sub, now)) return sub;
  // An ended period whose grace is over: its invoice is due (core/periods/grace.ts).
  return issueDue(wallet, now) ? wallet.subscription : undefined;
};

async function waitForOtherWorker(deps: Deps, worker: Worker): Promise<void> {
  if (Date.now() > worker.waitUntil)
    throw new DomainError("CONFLICT", "the customer's billing periods are still being caught up; retry");
  await pause(100);
  worker.current = await loadWallet(deps, worker.current.customerId);
}

async function claimLease(deps: Deps, worker: Worker): Promise<void> {
  const { owner, current } = worker;
  const until = Date.now() + LEASE_MS;
  if (await claimCloseLease(deps.db, current, { owner, until }, Date.now())) {
    worker.holding = true;
    worker.current = { ...current, version: current.version + 1, closeLease: { owner, until } };
  } else worker.current = await loadWallet(deps, current.customerId);
}

/** Writes the planned closes (renewing or releasing a held lease with them); false when the wallet changed first. */
async function writeCloses(deps: Deps, worker: Worker, step: PlannedCloses): Promise<boolean> {
  const { owner, current } = worker;
  const leaseChange: LeaseChange | undefined = worker.holding
    ? step.more
      ? { hold: { owner, until: Date.now() + LEASE_MS } }
      : "release"
    : undefined;
  const written = await writePeriodChange(deps.db, current, step.after, step.drafts, step.eventsFor, leaseChange);
  if (!written.ok) return false;
  worker.closed += step.closes;
  await publish(deps, written.events, written.outbox);
  const { closeLease: _released, ...after } = step.after;
  worker.current = {
    ...after,
    version: current.version + 1,
    ...(leaseChange && leaseChange !== "release" ? { closeLease: leaseChange.hold } : {}),
  };
  if (leaseChange === "release") worker.holding = false;
  return true;
}

/** A wallet written meanwhile (a track, a purchase) makes the close retry on a fresh read. */
async function lostRace(deps: Deps, worker: Worker, sub: Subscription): Promise<void> {
  const fresh = await loadWallet(deps, worker.current.customerId);
  if (fresh.subscription?.periodStart === sub.periodStart && fresh.subscription.status === sub.status)
    await worker.lost.next();
  if (fresh.closeLease?.owner !== worker.owner) worker.holding = false;
  worker.current = fresh;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
