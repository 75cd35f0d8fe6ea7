/**
 * Purchases a customer asks for (in the portal, or an operator on its behalf): an OPEN invoice,
 * whose credits or funds reach the wallet only when it is paid (markInvoicePaid, which the
 * company's payment integration calls), in the transaction that marks it paid, and never if it is
 * voided (core/invoices/status.ts). A declined card keeps nothing.
 *
 * Idempotent by key like every purchase: a double click (two identical requests at once) issues
 * one invoice and both answer it; the same key for another purchase is IDEMPOTENCY_KEY_REUSED. What
 * may be bought is decided as for an operator's purchase (./refusal.ts); a pack with nothing to
 * collect is issued PAID and granted at once.
 *
 * Top-ups asked for this way are between MIN_TOP_UP and MAX_TOP_UP_REQUEST in the customer's
 * currency: a floor under which a card payment costs more than it brings, and a ceiling on what a
 * customer can ask for in one click (an operator's topUpBalance keeps the wide bounds of core/bounds.ts).
 */
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { IdSchema, parseInput } from "../validation";
import { SCALE } from "../money";
import { findInvoice } from "../invoices/status";
import type { Invoice } from "../invoices/invoice";
import { packPurchase, recordPurchase, topUpPurchase } from "./index";

export const MIN_TOP_UP = 5n * SCALE;
export const MAX_TOP_UP_REQUEST = 10_000n * SCALE;

const TopUpRequestSchema = z.object({
  customerId: IdSchema,
  idempotencyKey: IdSchema,
  amount: z
    .bigint()
    .check(
      z.gte(MIN_TOP_UP, "must be at least 5 (in the customer's currency)"),
      z.lte(MAX_TOP_UP_REQUEST, "must be at most 10000 (in the customer's currency)"),
    ),
});

export async function requestCreditPackPurchase(
  deps: Deps,
  customerId: string,
  packCode: string,
  idempotencyKey: string,
): Promise<Invoice> {
  const order = await packPurchase(deps, customerId, packCode, idempotencyKey);
  return invoiceOf(deps, await recordPurchase(deps, order, true));
}

export async function requestTopUp(
  deps: Deps,
  customerId: string,
  amount: bigint,
  idempotencyKey: string,
): Promise<Invoice> {
  parseInput(TopUpRequestSchema, { customerId, idempotencyKey, amount }, "");
  return invoiceOf(deps, await recordPurchase(deps, topUpPurchase(customerId, amount, idempotencyKey), true));
}

async function invoiceOf(deps: Deps, id: string | undefined): Promise<Invoice> {
  const invoice = id && (await findInvoice(deps, id));
  // Only a key first used by an operator's purchase recorded before invoices were named on purchases.
  if (!invoice) throw new DomainError("IDEMPOTENCY_KEY_REUSED", "this idempotency key was used for another purchase");
  return invoice;
}
