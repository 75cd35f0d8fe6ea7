/**
 * Credit packs and balance top-ups: prepaid, never expiring, idempotent by key. The purchase
 * record (the idempotency record) and the wallet ADD are one transaction, so a retried purchase
 * never adds twice.
 *
 * Only what the customer's plan can spend is sold: credit packs on a CREDITS plan, top-ups on a
 * BALANCE plan (else BAD_USER_INPUT, or NO_SUBSCRIPTION without an active plan), so nobody pays
 * for credits or money that nothing can spend. What was bought stays the customer's across later
 * plan changes (it never expires), to be spent again on a plan of its model.
 *
 * A purchase is in the plan's currency: a pack sold in another currency is BAD_USER_INPUT, and a
 * top-up must be whole minor units of it (core/currencies.ts). The write is conditioned on the
 * plan it was checked against, so a plan change racing the purchase cannot slip another model or
 * currency under it, and on the pool staying within core/bounds.ts (LIMIT_REACHED beyond).
 */
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getCreditPack } from "../credit-packs";
import { MAX_PRICE, MAX_SUM } from "../bounds";
import { minorUnitProblem } from "../currencies";
import { IdSchema, parseInput } from "../validation";
import type { WalletView } from "../wallet";
import type { Plan } from "../plans/plan";
import { currentWallet } from "../usage/current";
import { customerWallet } from "../usage/views";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { findPurchase, recordPurchase as writePurchase } from "../db/purchases";
import type { Purchase } from "./purchase";
import {
  draftInvoice,
  invoiceLine,
  type Invoice,
  type InvoiceDraft,
  type InvoiceGrant,
  type InvoiceLine,
} from "../invoices/invoice";
import { purchaseRefusal } from "./refusal";
import { balanceToppedUp, creditsPurchased, invoiceIssued } from "../events";
import { publish } from "../events/publish";
import { formatDecimal, SCALE } from "../money";

const PurchaseSchema = z.object({ customerId: IdSchema, idempotencyKey: IdSchema });
const TopUpSchema = z.extend(PurchaseSchema, {
  amount: z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_PRICE)),
});

type Request = Omit<Purchase, "createdAt" | "currency">;

export async function purchaseCreditPack(
  deps: Deps,
  customerId: string,
  packCode: string,
  idempotencyKey: string,
): Promise<WalletView> {
  await recordPurchase(deps, await packPurchase(deps, customerId, packCode, idempotencyKey));
  return customerWallet(deps, customerId);
}

export async function topUpBalance(
  deps: Deps,
  customerId: string,
  amount: bigint,
  idempotencyKey: string,
): Promise<WalletView> {
  parseInput(TopUpSchema, { customerId, idempotencyKey, amount }, "");
  await recordPurchase(deps, topUpPurchase(customerId, amount, idempotencyKey));
  return customerWallet(deps, customerId);
}

/** What is bought, its invoice line, and what is wrong with it in the plan's currency, if anything. */
export type PurchaseOrder = {
  request: Request;
  line: InvoiceLine;
  currencyProblem: (plan: Plan) => string | undefined;
};

export async function packPurchase(
  deps: Deps,
  customerId: string,
  packCode: string,
  idempotencyKey: string,
): Promise<PurchaseOrder> {
  parseInput(PurchaseSchema, { customerId, idempotencyKey }, "");
  const pack = await getCreditPack(deps, packCode);
  return {
    request: {
      kind: "CREDIT_PACK",
      customerId,
      idempotencyKey,
      packCode: pack.code,
      credits: pack.credits,
      amount: 0n,
      price: pack.price,
    },
    line: invoiceLine("CREDIT_PACK", `${pack.name} (${formatDecimal(pack.credits)} credits)`, SCALE, pack.price),
    currencyProblem: (plan) =>
      pack.currency === plan.currency
        ? undefined
        : `credit pack "${pack.code}" is sold in ${pack.currency}, customer "${customerId}" is billed in ${plan.currency}`,
  };
}

export function topUpPurchase(customerId: string, amount: bigint, idempotencyKey: string): PurchaseOrder {
  return {
    request: { kind: "TOP_UP", customerId, idempotencyKey, credits: 0n, amount, price: amount },
    line: invoiceLine("TOP_UP", "Balance top-up", SCALE, amount),
    // A top-up is paid money: whole minor units, so its invoice line equals what the balance receives.
    currencyProblem: (plan) => minorUnitProblem(amount, plan.currency, "amount"),
  };
}

/**
 * Records a purchase under its key and answers its invoice's id (undefined only on a replay of a
 * purchase recorded before invoices were named on it). `grantOnPayment`: the invoice carries the
 * grant until it is paid; otherwise (or when it has nothing to collect, so is issued PAID) the
 * wallet receives it now.
 */
export async function recordPurchase(
  deps: Deps,
  { request, line, currencyProblem }: PurchaseOrder,
  grantOnPayment = false,
): Promise<string | undefined> {
  const added = request.kind === "CREDIT_PACK" ? request.credits : request.amount;
  const exhausted = () =>
    new DomainError("CONFLICT", "the customer's wallet changed concurrently too often; retry with the same key");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    // A purchase is a write: like a track, it first closes a period that has ended (NOT_FOUND for an
    // unknown customer), so a top-up never lands in an ended period and pays down its overage, which
    // would make that period's invoice depend on whether the sweeper ran before the top-up.
    const { wallet, plan, now } = await currentWallet(deps, request.customerId, { close: true });
    const currency = plan?.currency ?? "";
    const drafted = (p: Purchase) => purchaseInvoice(p, line);
    const later = grantOnPayment && drafted({ ...request, currency, createdAt: "" }).total > 0n;
    const p: Purchase = {
      ...request,
      currency,
      createdAt: now.toISOString(),
      ...(later ? { grantOnPayment: true } : {}),
    };
    const refused = purchaseRefusal(p, wallet, plan, added, currencyProblem);
    if (refused) {
      // A retry of a purchase made while the plan could take it still answers as a replay.
      const earlier = await findPurchase(deps.db, p);
      if (earlier === "none") throw refused;
      if (earlier === "reused") throw keyReused(p.idempotencyKey);
      return earlier.invoiceId;
    }
    // The purchase's own event rides in its invoice's outbox, after the invoice's; one granted on
    // payment has it when paid (core/invoices/status.ts).
    const eventsFor = (invoices: Invoice[]) =>
      invoices.flatMap((invoice) => [...invoiceIssued(invoice), ...(later ? [] : purchaseEvents(invoice, p))]);
    const result = await writePurchase(deps.db, p, drafted(p), eventsFor, {
      planCode: plan!.code,
      ceiling: MAX_SUM - added,
    });
    // The plan changed, or a pool filled up, since the read: decide again on a fresh one.
    if (result.outcome === "walletChanged") return RETRY;
    if (result.outcome === "reused") throw keyReused(p.idempotencyKey);
    if (result.outcome === "replayed") return result.invoiceId;
    await publish(deps, result.written.events, result.written.outbox);
    return result.written.invoices[0]!.id;
  });
}

/** The event of a purchase whose grant reached the wallet: credits.purchased or balance.topped_up. */
export const purchaseEvents = (
  invoice: Invoice,
  p: {
    kind: Purchase["kind"];
    packCode?: string;
    credits: bigint;
    amount: bigint;
    price: bigint;
    idempotencyKey: string;
  },
  time = invoice.createdAt,
) => [
  p.kind === "CREDIT_PACK"
    ? creditsPurchased(invoice, { ...p, packCode: p.packCode! }, time)
    : balanceToppedUp(invoice, { amount: p.amount, idempotencyKey: p.idempotencyKey }, time),
];

const keyReused = (key: string) =>
  new DomainError("IDEMPOTENCY_KEY_REUSED", `idempotency key "${key}" was used for a different purchase`);

/**
 * The purchase's invoice; it records what it granted: what voiding it takes back
 * (core/invoices/void.ts), or, granted on payment, what paying it grants.
 */
function purchaseInvoice(p: Purchase, line: InvoiceLine): InvoiceDraft {
  const grant: InvoiceGrant =
    p.kind === "CREDIT_PACK" ? { kind: "CREDIT_PACK", credits: p.credits } : { kind: "TOP_UP", amount: p.amount };
  const onPayment = {
    ...grant,
    idempotencyKey: p.idempotencyKey,
    ...(p.packCode ? { packCode: p.packCode } : {}),
    price: p.price,
  };
  return draftInvoice({
    customerId: p.customerId,
    currency: p.currency,
    lines: [line],
    createdAt: p.createdAt,
    ...(p.grantOnPayment ? { grantOnPayment: onPayment } : { grant }),
  });
}
