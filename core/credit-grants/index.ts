/**
 * grantCredits: free credits (promotional, support goodwill) with a reason and an optional expiry,
 * idempotent by key. They join the credit pool of a CREDITS plan and are spent after the plan's
 * credits and before purchased ones, expiring ones first (./grant.ts). Like credit packs, they are
 * given only to a customer whose plan spends credits (BAD_USER_INPUT otherwise, NO_SUBSCRIPTION
 * without a plan), and carry across plan changes until they expire.
 *
 * One transaction: the grant's record (its idempotency record) and the wallet. While the period's
 * use is within its plan credits and what was settled, the grant is appended (commutative, like a
 * pack); otherwise the grants are settled first (./grant.ts), conditioned on the version read.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { MAX_SUM } from "../bounds";
import { formatDecimal } from "../money";
import { parseInput } from "../validation";
import { strategyFor, walletView } from "../models";
import { activeSubscription, type Wallet, type WalletView } from "../wallet";
import { currentWallet } from "../usage/current";
import { customerWallet } from "../usage/views";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { findGrant, recordGrant } from "../db/credit-grants";
import { settleGrants } from "./grant";
import { GrantCreditsInputSchema, MAX_GRANTS, sameGrant, type GrantCreditsInput, type GrantRecord } from "./record";

export type { GrantCreditsInput } from "./record";

export async function grantCredits(deps: Deps, input: GrantCreditsInput): Promise<WalletView> {
  const r = parseInput(GrantCreditsInputSchema, input, "");
  const exhausted = () =>
    new DomainError("CONFLICT", "the customer's wallet changed concurrently too often; retry with the same key");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const { wallet, plan, now } = await currentWallet(deps, r.customerId, { close: true });
    const record: GrantRecord = {
      customerId: r.customerId,
      id: r.idempotencyKey,
      credits: r.credits,
      reason: r.reason,
      ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}),
      createdAt: now.toISOString(),
    };
    const refused = refusal(record, wallet, plan && strategyFor(plan.model).sells.includes("CREDIT_PACK"), now);
    if (refused) return replayOr(deps, record, refused);
    const grant = {
      id: record.id,
      credits: record.credits,
      ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    };
    // Used-up grants leave the wallet when settled: only those left count against the most held.
    const settled = settleGrants(wallet, record.createdAt);
    if ((settled.grants?.length ?? 0) >= MAX_GRANTS)
      return replayOr(
        deps,
        record,
        new DomainError("LIMIT_REACHED", `customer "${r.customerId}" holds ${MAX_GRANTS} grants, the most at once`),
      );
    const after: Wallet = {
      ...settled,
      grants: [...(settled.grants ?? []), grant],
      credits: settled.credits + record.credits,
      grantsGranted: (settled.grantsGranted ?? 0n) + record.credits,
    };
    // Nothing of the period's use is unsettled: appending is exact, and commutes with other writes.
    const usedAtMost = wallet.planCredits + (wallet.grantsBase ?? 0n);
    const sub = activeSubscription(wallet)!;
    const change =
      wallet.creditsUsed <= usedAtMost
        ? {
            append: {
              grant,
              planCode: sub.planCode,
              periodStart: sub.periodStart,
              usedAtMost,
              ...(wallet.grantsBase !== undefined ? { base: wallet.grantsBase } : {}),
            },
          }
        : { settle: after };
    const written = await recordGrant(deps.db, record, wallet, change);
    if (written.ok) return walletView({ ...after, version: wallet.version + 1 }, plan!.model);
    if ("stored" in written) return replayed(deps, record, written.stored);
    return RETRY;
  });
}

function refusal(r: GrantRecord, wallet: Wallet, spendsCredits: boolean | undefined, now: Date) {
  if (!activeSubscription(wallet) || spendsCredits === undefined)
    return new DomainError("NO_SUBSCRIPTION", `customer "${r.customerId}" has no active subscription`);
  if (!spendsCredits)
    return new DomainError(
      "BAD_USER_INPUT",
      `customer "${r.customerId}" is on a plan whose usage spends no credits; credits are granted on a CREDITS plan`,
    );
  if (r.expiresAt && Date.parse(r.expiresAt) <= now.getTime())
    return new DomainError("BAD_USER_INPUT", "expiresAt must be in the future");
  if (wallet.credits + r.credits > MAX_SUM)
    return new DomainError("LIMIT_REACHED", `the wallet would hold more than ${formatDecimal(MAX_SUM)} credits`);
  return undefined;
}

async function replayOr(deps: Deps, r: GrantRecord, error: DomainError): Promise<WalletView> {
  const stored = await findGrant(deps.db, r.customerId, r.id);
  if (stored) return replayed(deps, r, stored);
  throw error;
}

async function replayed(deps: Deps, r: GrantRecord, stored: GrantRecord): Promise<WalletView> {
  if (!sameGrant(stored, r))
    throw new DomainError("IDEMPOTENCY_KEY_REUSED", `idempotency key "${r.id}" was used for a different grant`);
  return customerWallet(deps, r.customerId);
}
