/** Add-ons: definitions (admin), attaching and detaching them, and a subscription's add-ons. */
import { attachAddOn, createAddOn, detachAddOn, listAddOns } from "../core/add-ons";
import type { AddOn, AttachedAddOn } from "../core/add-ons";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { SubscriptionRef } from "./subscriptions";

/** A definition, or the terms a subscription attached (with its quantity and whether it ends). */
type AddOnView = (AddOn | AttachedAddOn) & { periodEnd?: string };
const attachedOf = (a: AddOnView): AttachedAddOn | undefined => ("quantity" in a ? a : undefined);

export const AddOnRef = builder.objectRef<AddOnView>("AddOn").implement({
  description:
    "A price per period plus what it adds to the plan: units, credits or money into its pool, or a BOOLEAN feature.",
  fields: (t) => ({
    code: t.exposeID("code"),
    name: t.exposeString("name"),
    feature: t.exposeID("feature"),
    price: t.field({
      type: "Money",
      description: "Charged per period of the subscription, pro rata when attached mid-period.",
      resolve: (a) => a.price,
    }),
    currency: t.exposeString("currency"),
    grants: t.field({
      type: "Decimal",
      nullable: true,
      description:
        "What it adds to the plan each period: units (METERED), credits (CREDITS) or money (BALANCE); null for a BOOLEAN feature.",
      resolve: (a) => a.grants ?? null,
    }),
    archived: t.boolean({ resolve: (a) => ("archived" in a ? a.archived : false) }),
    quantity: t.int({
      nullable: true,
      description: "On Subscription.addOns: how many are attached (price and grant are per one).",
      resolve: (a) => attachedOf(a)?.quantity ?? null,
    }),
    endsAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "On Subscription.addOns: when a detached add-on ends (the period's end); null while it renews.",
      resolve: (a) => (attachedOf(a)?.detaching ? (a.periodEnd ?? null) : null),
    }),
  }),
});

builder.objectField(SubscriptionRef, "addOns", (t) =>
  t.field({
    type: [AddOnRef],
    description:
      "Its add-ons, in the order attached, those attached at one instant by code (detached ones until the period ends); invoices list their ADD_ON lines in this order.",
    resolve: (s) => (s.addOns ?? []).map((a) => ({ ...a, periodEnd: s.periodEnd })),
  }),
);

const CreateAddOnInput = builder.inputType("CreateAddOnInput", {
  fields: (t) => ({
    code: t.id({ required: true }),
    name: t.string({ required: true }),
    feature: t.id({ required: true }),
    price: t.field({ type: "Money", required: true }),
    currency: t.string({ defaultValue: "USD" }),
    grants: t.field({ type: "Decimal" }),
  }),
});

builder.queryField("addOns", (t) =>
  t.field({
    type: [AddOnRef],
    authScopes: adminOnly,
    args: { includeArchived: t.arg.boolean({ defaultValue: false }) },
    resolve: (_, a, { deps }) => listAddOns(deps, a.includeArchived ?? false),
  }),
);

builder.mutationFields((t) => ({
  createAddOn: t.field({
    type: AddOnRef,
    authScopes: adminOnly,
    description:
      "An add-on for a METERED feature (grants: units, credits or money into the plan's pool each period) or a BOOLEAN one (grants null: turns it on).",
    args: { input: t.arg({ type: CreateAddOnInput, required: true }) },
    resolve: (_, { input }, { deps }) => createAddOn(deps, input),
  }),
  attachAddOn: t.field({
    type: SubscriptionRef,
    authScopes: adminOnly,
    description:
      "Attaches an add-on now: its price pro rata for the rest of the period on an ADD_ON invoice at once, its full grant for this period at once, then both at every renewal. Idempotent by key.",
    args: {
      customerId: t.arg.id({ required: true }),
      addOnCode: t.arg.id({ required: true }),
      quantity: t.arg.int({ defaultValue: 1, description: "1 to 1000: price and grant are multiplied by it." }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => attachAddOn(deps, a),
  }),
  detachAddOn: t.field({
    type: SubscriptionRef,
    authScopes: adminOnly,
    description:
      "Ends an add-on at the end of the current period (it works until then; nothing is given back). Again: no-op.",
    args: { customerId: t.arg.id({ required: true }), addOnCode: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => detachAddOn(deps, a.customerId, a.addOnCode),
  }),
}));
