import { purchaseCreditPack, topUpBalance } from "../core/purchases";
import type { WalletView } from "../core/wallet";
import { adminOnly } from "./auth";
import { builder } from "./builder";

export const WalletRef = builder.objectRef<WalletView>("Wallet").implement({
  description:
    "What a customer was granted this period and what is left of its credits and money. A field that does not apply to the plan's model is null (credit fields outside CREDITS plans, money fields outside BALANCE plans), except purchasedCredits and topUps, which are shown on any plan while the customer holds some: they never expire and carry across plan changes, but only a plan of their model can spend them.",
  fields: (t) => ({
    credits: t.field({
      type: "Decimal",
      nullable: true,
      description: "CREDITS plans: plan credits left this period + granted credits left + purchased credits.",
      resolve: (w) => w.credits ?? null,
    }),
    planCredits: t.field({
      type: "Decimal",
      nullable: true,
      description: "CREDITS plans: plan credits left this period (unused ones expire at the period end).",
      resolve: (w) => w.planCredits ?? null,
    }),
    planCreditsGranted: t.field({
      type: "Decimal",
      nullable: true,
      description: "CREDITS plans: plan credits granted this period (the plan's includedCredits).",
      resolve: (w) => w.planCreditsGranted ?? null,
    }),
    grantedCredits: t.field({
      type: "Decimal",
      nullable: true,
      description:
        "CREDITS plans: free credits left from grantCredits, spent after plan credits and before purchased ones (expiring ones first).",
      resolve: (w) => w.grantedCredits ?? null,
    }),
    purchasedCredits: t.field({
      type: "Decimal",
      nullable: true,
      description:
        "Credits from credit packs left (never expire). CREDITS plans; on other plans only while some are held.",
      resolve: (w) => w.purchasedCredits ?? null,
    }),
    balance: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: allowance left + top-ups left - overage; negative when in overage.",
      resolve: (w) => w.balance ?? null,
    }),
    allowance: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: allowance left this period (unused allowance expires at the period end).",
      resolve: (w) => w.allowance ?? null,
    }),
    allowanceGranted: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: allowance granted this period (the plan's base price).",
      resolve: (w) => w.allowanceGranted ?? null,
    }),
    topUps: t.field({
      type: "Money",
      nullable: true,
      description: "Top-up money left (never expires). BALANCE plans; on other plans only while some is held.",
      resolve: (w) => w.topUps ?? null,
    }),
    spent: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: money spent this period.",
      resolve: (w) => w.spent ?? null,
    }),
    overage: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: spend beyond the allowance and top-ups this period, invoiced at the period end.",
      resolve: (w) => w.overage ?? null,
    }),
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
