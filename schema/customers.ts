import { createCustomer, findCustomer, type Customer } from "../core/customers";
import { updateCustomer } from "../core/customers/update";
import { deleteCustomer } from "../core/customers/delete";
import { listEntitlements } from "../core/entitlements";
import { currentWallet } from "../core/usage/current";
import { customerEvents, customerWallet, featureUsage, type FeatureUsage } from "../core/usage/views";
import { filteredEvents } from "../core/usage/event-filter";
import { getFeature } from "../core/features";
import type { UsageEvent } from "../core/usage/event";
import { adminOnly, adminOrCustomer, adminOrIngest, CREATED_CUSTOMER, customerInput, customerPrivate } from "./auth";
import { builder } from "./builder";
import { EntitlementRef } from "./entitlements";
import { FeatureRef } from "./features";
import { PageInfoRef } from "./page-info";
import { SubscriptionRef } from "./subscriptions";
import { UsageEventRef } from "./usage";
import { WalletRef } from "./wallet";

export const FeatureUsageRef = builder.objectRef<FeatureUsage>("FeatureUsage").implement({
  fields: (t) => ({
    feature: t.field({ type: FeatureRef, resolve: (u, _, { deps }) => getFeature(deps, u.feature) }),
    used: t.field({ type: "Decimal", resolve: (u) => u.used }),
    included: t.field({ type: "Decimal", nullable: true, resolve: (u) => u.included ?? null }),
    overage: t.field({ type: "Decimal", nullable: true, resolve: (u) => u.overage ?? null }),
    cost: t.field({
      type: "Money",
      nullable: true,
      description: "METERED: overage so far x overage price (billed at close); BALANCE: money spent.",
      resolve: (u) => u.cost ?? null,
    }),
    credits: t.field({ type: "Decimal", nullable: true, resolve: (u) => u.credits ?? null }),
    current: t.field({
      type: "Decimal",
      nullable: true,
      description: "SEATS: seats now; QUOTA: the level now.",
      resolve: (u) => u.current ?? null,
    }),
    peak: t.field({
      type: "Decimal",
      nullable: true,
      description:
        "QUOTA: the highest level this period (what its overage bills); SEATS: the seats this period has paid for.",
      resolve: (u) => u.peak ?? null,
    }),
  }),
});

type Page = { events: { event: UsageEvent; cursor: string }[]; hasNextPage: boolean; endCursor?: string };
const EdgeRef = builder.objectRef<{ event: UsageEvent; cursor: string }>("UsageEventEdge").implement({
  fields: (t) => ({
    node: t.field({ type: UsageEventRef, resolve: (e) => e.event }),
    cursor: t.exposeString("cursor"),
  }),
});
const ConnectionRef = builder.objectRef<Page>("UsageEventConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [EdgeRef], resolve: (p) => p.events }),
    pageInfo: t.field({
      type: PageInfoRef,
      resolve: (p) => ({ hasNextPage: p.hasNextPage, endCursor: p.endCursor ?? p.events.at(-1)?.cursor ?? null }),
    }),
  }),
});

export const CustomerRef = builder.objectRef<Customer>("Customer").implement({
  // Whichever field leads here, a customer token sees only its own customer.
  authScopes: (customer) => adminOrCustomer(customer.id),
  fields: (t) => ({
    id: t.exposeID("id", { skipTypeScopes: true, authScopes: (c) => customerInput(c.id) }),
    name: t.string({
      nullable: true,
      skipTypeScopes: true,
      authScopes: (c) => customerInput(c.id),
      resolve: (c) => c.name ?? null,
    }),
    email: t.string({
      nullable: true,
      description: "API keys only.",
      skipTypeScopes: true,
      authScopes: customerPrivate,
      resolve: (c) => c.email ?? null,
    }),
    metadata: t.field({
      type: "JSON",
      nullable: true,
      description: "API keys only.",
      skipTypeScopes: true,
      authScopes: customerPrivate,
      resolve: (c) => c.metadata ?? null,
    }),
    deletedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When deleteCustomer erased its name, email and metadata; its invoices and usage stay.",
      skipTypeScopes: true,
      authScopes: (c) => customerInput(c.id),
      resolve: (c) => c.deletedAt ?? null,
    }),
    subscription: t.field({
      type: SubscriptionRef,
      nullable: true,
      resolve: async (c, _, { deps }) => (await currentWallet(deps, c.id)).wallet.subscription ?? null,
    }),
    wallet: t.field({
      type: WalletRef,
      resolve: (c, _, { deps }) => customerWallet(deps, c.id),
    }),
    usage: t.field({ type: [FeatureUsageRef], resolve: (c, _, { deps }) => featureUsage(deps, c.id) }),
    entitlements: t.field({ type: [EntitlementRef], resolve: (c, _, { deps }) => listEntitlements(deps, c.id) }),
    events: t.field({
      type: ConnectionRef,
      description:
        "Usage events, newest recorded first (a batch's events in reverse order); first: 1 to 100; after: an endCursor of this customer's list (another customer's cursor is BAD_USER_INPUT). Events are ordered by the deployment clock's time of recording; events recorded at the same instant (always so under a test clock that stands still) list in recording order: exactly for events recorded by one server process, and by real time to within the clock difference of their machines across processes. feature, from and to (the usage's timestamp in [from, to)) filter the list: a filtered page reads at most 1,000 events, so it may hold fewer than `first` while hasNextPage is true; go on from pageInfo.endCursor.",
      args: {
        first: t.arg.int({ defaultValue: 50 }),
        after: t.arg.string(),
        feature: t.arg.id(),
        from: t.arg({ type: "DateTime" }),
        to: t.arg({ type: "DateTime" }),
      },
      resolve: (c, a, { deps }) =>
        a.feature || a.from || a.to
          ? filteredEvents(deps, c.id, a.first ?? 50, a.after, a)
          : customerEvents(deps, c.id, a.first ?? 50, a.after),
    }),
  }),
});

const CreateCustomerInput = builder.inputType("CreateCustomerInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    email: t.string(),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.queryField("customer", (t) =>
  t.field({
    type: CustomerRef,
    nullable: true,
    authScopes: (_, a) => adminOrCustomer(a.id),
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, a, { deps }) => (await findCustomer(deps, a.id)) ?? null,
  }),
);

builder.mutationField("createCustomer", (t) =>
  t.field({
    type: CustomerRef,
    description:
      "Creates a customer, idempotently by id: the same input again returns the stored customer; another input under a taken id is ALREADY_EXISTS. INGEST keys may call it (create on first use) and read back the customer's id, name, email and metadata.",
    authScopes: adminOrIngest,
    grantScopes: [CREATED_CUSTOMER],
    args: { input: t.arg({ type: CreateCustomerInput, required: true }) },
    resolve: (_, { input }, { deps }) => createCustomer(deps, input),
  }),
);

const UpdateCustomerInput = builder.inputType("UpdateCustomerInput", {
  description: "A field left out stays as it is; null removes it.",
  fields: (t) => ({ name: t.string(), email: t.string(), metadata: t.field({ type: "JSON" }) }),
});

builder.mutationFields((t) => ({
  updateCustomer: t.field({
    type: CustomerRef,
    description:
      "New name, email or metadata: a field left out stays as it is, null removes it (the same rules as createCustomer). A deleted customer cannot be given personal data again.",
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateCustomerInput, required: true }) },
    resolve: (_, a, { deps }) => updateCustomer(deps, a.id, a.input),
  }),
  deleteCustomer: t.field({
    type: CustomerRef,
    description:
      "Erases the customer's personal data (name, email, metadata) and ends its subscription now (its final invoice bills the usage so far; the unused base fee is not credited); invoices and usage stay, as accounting records. Idempotent.",
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => deleteCustomer(deps, a.id),
  }),
}));
