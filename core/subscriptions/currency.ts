/** The currency rules of a subscription: a wallet holds one currency at a time. */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { formatDecimal, formatMoney } from "../money";
import type { Plan } from "../plans/plan";
import { purchasedCreditsLeft, topUpsLeft, withoutHolds, type Wallet } from "../wallet";
import { listInvoices } from "../db/invoices";
import { creditLeft, liveGrants } from "../account-credit/grant";
import { pricingPlan } from "../usage/load";

/**
 * A wallet holds one currency at a time (there are no exchange rates, and amounts are never
 * converted by relabelling them). A resubscription in another currency than the customer's last
 * plan is refused while anything of the old currency is left: purchased credits or top-ups (or
 * a debt of them left by a voided purchase), account credit, or an OPEN invoice. Once they are used up, paid or voided, any currency is fine.
 */
export async function requireCurrencyFree(deps: Deps, wallet: Wallet, plan: Plan): Promise<void> {
  const last = wallet.subscription && (await pricingPlan(deps, wallet.subscription.planCode));
  if (!last || last.currency === plan.currency) return;
  const credits = purchasedCreditsLeft(withoutHolds(wallet));
  // Expired account credit is gone, even before a write drops it from the wallet.
  const accountCredit = creditLeft(liveGrants(wallet.creditGrants, await deps.clock.now()));
  const topUps = topUpsLeft(withoutHolds(wallet));
  const open = (await listInvoices(deps.db, wallet.customerId)).filter(
    (i) => i.status === "OPEN" && i.currency !== plan.currency,
  );
  const left = [
    ...(credits !== 0n ? [`${formatDecimal(credits)} purchased credits`] : []),
    ...(topUps !== 0n ? [`${formatMoney(topUps)} ${last.currency} of top-ups`] : []),
    ...(accountCredit !== 0n ? [`${formatMoney(accountCredit)} ${last.currency} of account credit`] : []),
    ...(open.length
      ? [`${open.length} open ${last.currency} invoice(s) (${open.map((i) => i.number).join(", ")})`]
      : []),
  ];
  if (left.length)
    throw new DomainError(
      "BAD_USER_INPUT",
      `plan "${plan.code}" bills in ${plan.currency}, but customer "${wallet.customerId}" still holds ${left.join(" and ")}: ` +
        `it can resubscribe in ${last.currency} only, until they are used up, paid or voided`,
    );
}

/** A subscription keeps its currency: a plan change to another currency would mix two on one invoice. */
export function requireSameCurrency(current: Plan, next: Plan): void {
  if (current.currency !== next.currency)
    throw new DomainError(
      "BAD_USER_INPUT",
      `plan "${next.code}" bills in ${next.currency}, the subscription in ${current.currency}: a subscription keeps its currency (cancel it and subscribe anew)`,
    );
}
