/**
 * What paying a purchase granted on payment puts in the wallet (pure): all its credits or funds,
 * into the same pools an operator's purchase fills (purchased credits, top-ups), which never
 * expire. Paid money is granted whatever has changed since the request (another plan, a cancel):
 * what was bought stays the customer's, as with every purchase. A pool that would pass the 10^18
 * ceiling of core/bounds.ts refuses the payment (LIMIT_REACHED); nothing realistic comes near it.
 */
import { MAX_SUM } from "../bounds";
import { DomainError } from "../errors";
import { formatDecimal } from "../money";
import type { WalletGrant } from "../db/invoice-status";
import type { Wallet } from "../wallet";
import type { InvoiceGrant } from "./invoice";
import { balanceToppedUp, creditsPurchased } from "../events";
import type { Invoice } from "./invoice";

/** The grant an OPEN invoice makes when paid, or undefined when it grants nothing then. */
export function grantOnPaymentOf(invoice: Invoice): InvoiceGrant | undefined {
  const pending = invoice.grantOnPayment;
  if (!pending || invoice.grant) return undefined;
  return pending.kind === "CREDIT_PACK"
    ? { kind: "CREDIT_PACK", credits: pending.credits }
    : { kind: "TOP_UP", amount: pending.amount };
}

export function applyGrant(wallet: Wallet, grant: InvoiceGrant): WalletGrant {
  const [added, pools] =
    grant.kind === "CREDIT_PACK"
      ? [grant.credits, { credits: wallet.credits, purchasedCredits: wallet.purchasedCredits }]
      : [grant.amount, { topUps: wallet.topUps, balance: wallet.balance }];
  if (Object.values(pools).some((pool) => pool + added > MAX_SUM))
    throw new DomainError("LIMIT_REACHED", `the wallet would hold more than ${formatDecimal(MAX_SUM)}`);
  return {
    customerId: wallet.customerId,
    grant,
    add: Object.fromEntries(Object.keys(pools).map((pool) => [pool, added])),
    ceiling: MAX_SUM - added,
  };
}

/** The purchase's event, at its payment: the credits or funds arrived then. */
export function grantEvent(invoice: Invoice, time: string) {
  const p = invoice.grantOnPayment!;
  return p.kind === "CREDIT_PACK"
    ? creditsPurchased(
        invoice,
        { packCode: p.packCode!, credits: p.credits, price: p.price, idempotencyKey: p.idempotencyKey },
        time,
      )
    : balanceToppedUp(invoice, { amount: p.amount, idempotencyKey: p.idempotencyKey }, time);
}
