import { createCreditPack, listCreditPacks, type CreditPack } from "../core/credit-packs";
import { adminOnly, adminOrAnyCustomer } from "./auth";
import { builder } from "./builder";

const CreditPackRef = builder.objectRef<CreditPack>("CreditPack").implement({
  fields: (t) => ({
    code: t.exposeID("code"),
    name: t.exposeString("name"),
    credits: t.field({ type: "Decimal", resolve: (p) => p.credits }),
    price: t.field({ type: "Money", resolve: (p) => p.price }),
    currency: t.exposeString("currency"),
  }),
});

const CreateCreditPackInput = builder.inputType("CreateCreditPackInput", {
  fields: (t) => ({
    code: t.id({ required: true }),
    name: t.string({ required: true }),
    credits: t.field({ type: "Decimal", required: true }),
    price: t.field({ type: "Money", required: true }),
    currency: t.string({ defaultValue: "USD" }),
  }),
});

builder.queryField("creditPacks", (t) =>
  t.field({
    type: [CreditPackRef],
    authScopes: adminOrAnyCustomer,
    resolve: (_, __, { deps }) => listCreditPacks(deps),
  }),
);

builder.mutationField("createCreditPack", (t) =>
  t.field({
    type: CreditPackRef,
    authScopes: adminOnly,
    args: { input: t.arg({ type: CreateCreditPackInput, required: true }) },
    resolve: (_, { input }, { deps }) => createCreditPack(deps, input),
  }),
);
