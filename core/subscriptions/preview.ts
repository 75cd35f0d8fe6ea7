/**
 * `previewPlanChange`: what `changePlan` with the same arguments would invoice, computed by the same
 * code (./plan-change.ts, drafted by ./change.ts) on the wallet as read, with nothing written.
 *
 * IMMEDIATE: the invoice the change issues now (overage so far, the proration credit, the new
 * plan's base fee). PERIOD_END issues nothing now, so its preview is the invoice the change leads
 * to: the renewal with the change scheduled (usage so far as overage, the new plan's base fee),
 * which is what `upcomingInvoice` will show once the change is made. A preview with no line (none
 * is issued) has an empty list and 0.00 totals.
 */
import type { Deps } from "../deps";
import { draftInvoice, type InvoiceDraft } from "../invoices/invoice";
import { currentWallet } from "../usage/current";
import { upcomingInvoiceOf } from "../periods/upcoming";
import { drafted } from "./change";
import { orderablePlan, planChange, type ChangeTiming } from "./plan-change";

export async function previewPlanChange(
  deps: Deps,
  customerId: string,
  planCode: string,
  timing: ChangeTiming,
): Promise<InvoiceDraft> {
  const plan = await orderablePlan(deps, planCode);
  const { wallet, now } = await currentWallet(deps, customerId);
  const change = await planChange(deps, wallet, now, plan, timing);
  const invoice =
    timing === "IMMEDIATE" ? drafted(customerId, change, now).draft : await upcomingInvoiceOf(deps, change.after);
  return invoice ?? draftInvoice({ customerId, currency: plan.currency, lines: [], createdAt: now.toISOString() });
}
