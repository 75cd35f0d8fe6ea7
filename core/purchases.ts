/**
 * Credit packs and balance top-ups: prepaid, never expiring, idempotent by key. The purchase
 * record (the idempotency record) and the wallet ADD are one transaction, so a retried purchase
 * never adds twice.
 */
import { keys } from "./db/keys";
import * as z from "./zod";
import type { Deps } from "./deps";
import { DomainError } from "./errors";
import { getCreditPack } from "./credit-packs";
import { IdSchema, PositiveAmount, parseInput } from "./validation";
import { walletView, type WalletView } from "./wallet";
import { currentWallet } from "./usage/current";
import { recordPurchase, type Purchase } from "./db/purchases";
import { draftInvoice, invoiceLine, type Invoice, type InvoiceLine } from "./invoices/invoice";
import { invoiceCreated, publish } from "./events";
import { formatDecimal, roundToMinorUnit, SCALE } from "./money";

const PurchaseSchema = z.object({ customerId: IdSchema, idempotencyKey: IdSchema });

export async function purchaseCreditPack(
  deps: Deps,
  customerId: string,
  packCode: string,
  idempotencyKey: string,
): Promise<WalletView> {
  parseInput(PurchaseSchema, { customerId, idempotencyKey });
  const pack = await getCreditPack(deps, packCode);
  return purchase(
    deps,
    {
      kind: "CREDIT_PACK",
      customerId,
      idempotencyKey,
      packCode: pack.code,
      credits: pack.credits,
      amount: 0n,
      price: pack.price,
      currency: pack.currency,
    },
    invoiceLine("CREDIT_PACK", `${pack.name} (${formatDecimal(pack.credits)} credits)`, SCALE, pack.price),
  );
}

export async function topUpBalance(
  deps: Deps,
  customerId: string,
  amount: bigint,
  idempotencyKey: string,
): Promise<WalletView> {
  parseInput(z.extend(PurchaseSchema, { amount: PositiveAmount }), { customerId, idempotencyKey, amount });
  // A top-up is paid money: whole cents, so its invoice line equals what the balance receives.
  if (roundToMinorUnit(amount) !== amount)
    throw new DomainError("BAD_USER_INPUT", "a top-up amount must be whole cents");
  const { plan } = await currentWallet(deps, customerId);
  return purchase(
    deps,
    {
      kind: "TOP_UP",
      customerId,
      idempotencyKey,
      credits: 0n,
      amount,
      price: amount,
      currency: plan?.currency ?? "USD",
    },
    invoiceLine("TOP_UP", "Balance top-up", SCALE, amount),
  );
}

async function purchase(deps: Deps, p: Omit<Purchase, "createdAt">, line: InvoiceLine): Promise<WalletView> {
  // A purchase is a write: like a track, it first closes a period that has ended (NOT_FOUND for an
  // unknown customer), so a top-up never lands in an ended period and pays down its overage, which
  // would make that period's invoice depend on whether the sweeper ran before the top-up.
  await currentWallet(deps, p.customerId, { close: true });
  const now = await deps.clock.now();
  const draft = draftInvoice({
    customerId: p.customerId,
    currency: p.currency,
    lines: [line],
    createdAt: now.toISOString(),
  });
  const eventsFor = (invoice: Invoice) => [invoiceCreated(invoice)];
  const result = await recordPurchase(deps.db, { ...p, createdAt: now.toISOString() }, draft, eventsFor);
  if (result.outcome === "reused") {
    throw new DomainError(
      "IDEMPOTENCY_KEY_REUSED",
      `idempotency key "${p.idempotencyKey}" was used for a different purchase`,
    );
  }
  if (result.outcome === "recorded") await publish(deps, eventsFor(result.invoice), keys.invoice(result.invoice.id));
  return walletView((await currentWallet(deps, p.customerId)).wallet);
}
