/**
 * Credit packs and balance top-ups: prepaid, never expiring, idempotent by key. The purchase
 * record (the idempotency record) and the wallet ADD are one transaction, so a retried purchase
 * never adds twice.
 *
 * Only what the customer's plan can spend is sold: credit packs on a CREDITS plan, top-ups on a
 * BALANCE plan (else BAD_USER_INPUT, or NO_SUBSCRIPTION without an active plan), so nobody pays
 * for credits or money that nothing can spend. What was bought stays the customer's across later
 * plan changes (it never expires), to be spent again on a plan of its model.
 */
import { keys } from "./db/keys";
import * as z from "./zod";
import type { Deps } from "./deps";
import { DomainError } from "./errors";
import { getCreditPack } from "./credit-packs";
import { IdSchema, PositiveAmount, parseInput } from "./validation";
import type { WalletView } from "./wallet";
import type { Plan } from "./plans";
import { currentWallet } from "./usage/current";
import { customerWallet } from "./usage/views";
import { findPurchase, recordPurchase, type Purchase } from "./db/purchases";
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
  const { plan } = await currentWallet(deps, p.customerId, { close: true });
  const refusal = unspendable(p, plan);
  if (refusal) {
    // A retry of a purchase made while the plan could spend it still answers as a replay.
    const earlier = await findPurchase(deps.db, p);
    if (earlier === "none") throw refusal;
    if (earlier === "reused") throw keyReused(p.idempotencyKey);
    return customerWallet(deps, p.customerId);
  }
  const now = await deps.clock.now();
  const draft = draftInvoice({
    customerId: p.customerId,
    currency: p.currency,
    lines: [line],
    createdAt: now.toISOString(),
  });
  const eventsFor = (invoice: Invoice) => [invoiceCreated(invoice)];
  const result = await recordPurchase(deps.db, { ...p, createdAt: now.toISOString() }, draft, eventsFor);
  if (result.outcome === "reused") throw keyReused(p.idempotencyKey);
  if (result.outcome === "recorded") await publish(deps, eventsFor(result.invoice), keys.invoice(result.invoice.id));
  return customerWallet(deps, p.customerId);
}

const keyReused = (key: string) =>
  new DomainError("IDEMPOTENCY_KEY_REUSED", `idempotency key "${key}" was used for a different purchase`);

/** Why this purchase cannot be sold on the customer's plan, if it cannot. */
function unspendable(p: Omit<Purchase, "createdAt">, plan: Plan | undefined): DomainError | undefined {
  const [what, model, spends] =
    p.kind === "CREDIT_PACK" ? ["credit packs", "CREDITS", "credits"] : ["top-ups", "BALANCE", "a balance"];
  if (!plan) {
    return new DomainError(
      "NO_SUBSCRIPTION",
      `customer "${p.customerId}" has no active subscription; ${what} can only be bought on a ${model} plan`,
    );
  }
  if (plan.model === model) return undefined;
  return new DomainError(
    "BAD_USER_INPUT",
    `customer "${p.customerId}" is on the ${plan.model} plan "${plan.code}", which cannot spend ${spends}; ${what} can only be bought on a ${model} plan`,
  );
}
