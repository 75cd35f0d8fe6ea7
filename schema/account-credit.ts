import { accountCreditGrants, accountCreditOf, grantAccountCredit } from "../core/account-credit";
import type { CreditGrant } from "../core/account-credit/grant";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { CustomerRef } from "./customers";

export const AccountCreditGrantRef = builder.objectRef<CreditGrant>("AccountCreditGrant").implement({
  description:
    "Account credit (money) owed to the customer: granted, the remainder of an invoice below zero, or given back by voiding an invoice that had applied it. Applied to the next subscription invoices, soonest expiring first, as an ACCOUNT_CREDIT line.",
  fields: (t) => ({
    id: t.exposeID("id", {
      description:
        "The grant's idempotency key; `remainder~...` for an invoice's remainder; `void~<invoice id>` for the credit a void gave back.",
    }),
    amount: t.field({ type: "Money", resolve: (g) => g.amount }),
    remaining: t.field({ type: "Money", resolve: (g) => g.remaining }),
    currency: t.exposeString("currency"),
    reason: t.exposeString("reason"),
    expiresAt: t.field({ type: "DateTime", nullable: true, resolve: (g) => g.expiresAt ?? null }),
    createdAt: t.field({ type: "DateTime", resolve: (g) => g.createdAt }),
  }),
});

builder.objectFields(CustomerRef, (t) => ({
  accountCredit: t.field({
    type: "Money",
    description:
      "Account credit (money) left, applied to the next invoices before they are issued: the sum of accountCreditGrants.",
    resolve: (c, _, { deps }) => accountCreditOf(deps, c.id),
  }),
  accountCreditGrants: t.field({
    type: [AccountCreditGrantRef],
    description: "The grants with something left (not expired, not used up), in the order they are applied.",
    resolve: (c, _, { deps }) => accountCreditGrants(deps, c.id),
  }),
}));

builder.mutationField("grantAccountCredit", (t) =>
  t.field({
    type: AccountCreditGrantRef,
    authScopes: adminOnly,
    description:
      "Grants account credit in the currency of the customer's plan, idempotent by key (the same grant again answers it as it is now; another under the same key is IDEMPOTENCY_KEY_REUSED). With expiresAt, whatever is left then expires.",
    args: {
      customerId: t.arg.id({ required: true }),
      amount: t.arg({ type: "Money", required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.id({ required: true }),
      expiresAt: t.arg({ type: "DateTime" }),
    },
    resolve: (_, a, { deps }) =>
      grantAccountCredit(deps, {
        customerId: a.customerId,
        amount: a.amount,
        reason: a.reason,
        idempotencyKey: a.idempotencyKey,
        expiresAt: a.expiresAt ?? null,
      }),
  }),
);
