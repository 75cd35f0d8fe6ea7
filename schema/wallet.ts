import { purchaseCreditPack, topUpBalance } from "../core/purchases";
import type { WalletView } from "../core/wallet";
import { adminOnly } from "./auth";
import { builder } from "./builder";

export const WalletRef = builder.objectRef<WalletView>("Wallet").implement({
  description: "What is left of a customer's credits and money, as of the current period.",
  fields: (t) => ({
    credits: t.field({
      type: "Decimal",
      nullable: true,
      description: "CREDITS plans: plan credits left this period + purchased credits.",
      resolve: (w) => w.credits,
    }),
    planCredits: t.field({ type: "Decimal", nullable: true, resolve: (w) => w.planCredits }),
    purchasedCredits: t.field({ type: "Decimal", nullable: true, resolve: (w) => w.purchasedCredits }),
    balance: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: allowance left + top-ups left - overage; negative when in overage.",
      resolve: (w) => w.balance,
    }),
    allowance: t.field({ type: "Money", nullable: true, resolve: (w) => w.allowance }),
    topUps: t.field({ type: "Money", nullable: true, resolve: (w) => w.topUps }),
    spent: t.field({ type: "Money", nullable: true, resolve: (w) => w.spent }),
    overage: t.field({ type: "Money", nullable: true, resolve: (w) => w.overage }),
  }),
});

builder.mutationFields((t) => ({
  purchaseCreditPack: t.field({
    type: WalletRef,
    authScopes: adminOnly,
    args: {
      customerId: t.arg.id({ required: true }),
      packCode: t.arg.id({ required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => purchaseCreditPack(deps, a.customerId, a.packCode, a.idempotencyKey),
  }),
  topUpBalance: t.field({
    type: WalletRef,
    authScopes: adminOnly,
    args: {
      customerId: t.arg.id({ required: true }),
      amount: t.arg({ type: "Money", required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => topUpBalance(deps, a.customerId, a.amount, a.idempotencyKey),
  }),
}));
