/**
 * Account credit: granting it (idempotent by key) and reading what is left. Grants are applied to
 * the customer's next subscription invoices (core/invoices/settle.ts); an invoice below zero adds
 * one. Account credit is in the currency of the customer's plan (a wallet holds one currency at a
 * time: core/subscriptions/currency.ts), so a customer who never subscribed cannot be granted any.
 * Nor can a deleted customer (deleteCustomer): it could never be used, as an erased customer cannot
 * subscribe again; BAD_USER_INPUT, nothing written, as subscribe answers it. A grant made before the
 * deletion still replays under its key.
 */
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { MAX_PRICE, MAX_SUM } from "../bounds";
import { requireWholeMinorUnits } from "../currencies";
import { IdSchema, NameSchema, parseInput } from "../validation";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { currentWallet } from "../usage/current";
import { pricingPlan } from "../usage/load";
import { findCreditGrant, recordCreditGrant } from "../db/account-credit";
import { getCustomer } from "../db/customers";
import { creditLeft, liveGrants, type CreditGrant } from "./grant";

const GrantSchema = z.object({
  customerId: IdSchema,
  idempotencyKey: IdSchema,
  reason: NameSchema,
  amount: z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_PRICE)),
});

export type GrantAccountCreditInput = {
  customerId: string;
  amount: bigint;
  reason: string;
  idempotencyKey: string;
  expiresAt?: Date | null;
};

export async function grantAccountCredit(deps: Deps, input: GrantAccountCreditInput): Promise<CreditGrant> {
  const { customerId, idempotencyKey, reason, amount } = parseInput(GrantSchema, input, "");
  const expiresAt = input.expiresAt?.toISOString();
  const exhausted = () => new DomainError("CONFLICT", "the customer's wallet changed concurrently too often; retry");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const earlier = await findCreditGrant(deps.db, customerId, idempotencyKey);
    if (earlier) return replay(deps, customerId, earlier, { amount, reason, expiresAt });
    // A write: ended periods are closed first, so a grant never reaches back into a closed period.
    const { wallet, now } = await currentWallet(deps, customerId, { close: true });
    // A deletion landing after this read is caught by the write's condition on the profile.
    if ((await getCustomer(deps.db, customerId))?.deletedAt) throw deleted(customerId);
    const sub = wallet.subscription;
    if (!sub)
      throw new DomainError(
        "BAD_USER_INPUT",
        `customer "${customerId}" has no plan yet, and account credit is in the currency of the customer's plan: subscribe first`,
      );
    const { currency } = await pricingPlan(deps, sub.planCode);
    requireWholeMinorUnits(amount, currency, "amount");
    if (expiresAt && Date.parse(expiresAt) <= now.getTime())
      throw new DomainError("BAD_USER_INPUT", "expiresAt must be in the future");
    const grant: CreditGrant = {
      id: idempotencyKey,
      amount,
      remaining: amount,
      currency,
      reason,
      createdAt: now.toISOString(),
      ...(expiresAt ? { expiresAt } : {}),
    };
    const written = await recordCreditGrant(deps.db, customerId, sub.planCode, grant, MAX_SUM);
    if (written.outcome === "granted") return grant;
    if (written.outcome === "replayed") return replay(deps, customerId, written.grant, { amount, reason, expiresAt });
    if (written.outcome === "customerDeleted") throw deleted(customerId);
    if (written.outcome === "walletChanged" && wallet.accountCredit + amount > MAX_SUM)
      throw new DomainError("LIMIT_REACHED", "the customer's account credit would exceed its bound");
    return RETRY;
  });
}

const deleted = (customerId: string) =>
  new DomainError("BAD_USER_INPUT", `customer "${customerId}" was deleted: account credit could never be used`);

/** The same grant again answers it as it is now; another one under the same key is refused. */
async function replay(
  deps: Deps,
  customerId: string,
  earlier: CreditGrant,
  asked: { amount: bigint; reason: string; expiresAt: string | undefined },
): Promise<CreditGrant> {
  if (earlier.amount !== asked.amount || earlier.reason !== asked.reason || earlier.expiresAt !== asked.expiresAt)
    throw new DomainError(
      "IDEMPOTENCY_KEY_REUSED",
      `idempotencyKey "${earlier.id}" already granted other account credit (${earlier.reason})`,
    );
  const live = (await accountCreditGrants(deps, customerId)).find((g) => g.id === earlier.id);
  return { ...earlier, remaining: live?.remaining ?? 0n };
}

/** The grants with something left now, in the order they are applied (soonest expiring first). */
export async function accountCreditGrants(deps: Deps, customerId: string): Promise<CreditGrant[]> {
  const { wallet, now } = await currentWallet(deps, customerId);
  return liveGrants(wallet.creditGrants, now);
}

/** The account credit left now (what the next invoices will take). */
export const accountCreditOf = async (deps: Deps, customerId: string) =>
  creditLeft(await accountCreditGrants(deps, customerId));
