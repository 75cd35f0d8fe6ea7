/**
 * The account credit a mid-period invoice takes (core/invoices/settle.ts `settleMidPeriod`), added
 * to the wallet update that writes the invoice (an attached add-on, added seats). Each grant taken
 * from is SET to what is left (REMOVEd when used up) on condition that its `remaining` is still the
 * value read, and `accountCredit` goes down by the sum. A grant's remaining only ever falls (it is
 * written once, then taken from, then dropped), so an unchanged value means nothing took from it
 * since the read: two invoices racing for one grant cannot both spend it, and the one that loses
 * decides again on a fresh read. Nothing else is lost either: a new grant is another map entry and
 * an ADD, a period change is conditioned on the version, which these writes bump.
 *
 * A wallet that holds its account credit as a sum only (written before grants: ./wallets.ts) gets
 * the whole map at once, on condition that it still has none and its sum is the one read.
 */
import { creditLeft } from "../account-credit/grant";
import type { CreditTaken } from "../invoices/settle";
import type { UpdateExpression } from "./update-expression";
import { creditGrantsItem } from "./wallets";

export function takeAccountCredit(u: UpdateExpression, taken: CreditTaken): void {
  const grants = u.name("#acGrants", "accountCreditGrants");
  if (taken.whole) {
    u.set(`${grants} = ${u.value(":acAll", creditGrantsItem(taken.whole.grants))}`);
    u.set(`accountCredit = ${u.value(":acSum", creditLeft(taken.whole.grants))}`);
    u.when(`attribute_not_exists(${grants})`).when(`accountCredit = ${u.value(":acWasSum", taken.whole.was)}`);
    return;
  }
  const remaining = u.name("#acRemaining", "remaining");
  taken.grants.forEach((g, i) => {
    const grant = `${grants}.${u.name(`#acG${i}`, g.id)}`;
    u.when(`${grant}.${remaining} = ${u.value(`:acWas${i}`, g.was)}`);
    if (g.left === 0n) u.remove(grant);
    else u.set(`${grant}.${remaining} = ${u.value(`:acLeft${i}`, g.left)}`);
  });
  u.add(`accountCredit ${u.value(":acTaken", -taken.applied)}`);
}
