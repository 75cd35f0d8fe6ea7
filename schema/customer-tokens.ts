import { createCustomerToken, DEFAULT_TTL_SECONDS, type CustomerToken } from "../core/auth/customer-tokens";
import { adminOnly } from "./auth";
import { builder } from "./builder";

const CustomerTokenRef = builder.objectRef<CustomerToken>("CustomerToken").implement({
  description: "A short-lived token a company hands to its frontend: read access to one customer only.",
  fields: (t) => ({
    token: t.exposeString("token", { description: "Send as `Authorization: Bearer <token>`; never put it in a URL." }),
    expiresAt: t.field({ type: "DateTime", resolve: (c) => c.expiresAt }),
  }),
});

builder.mutationField("createCustomerToken", (t) =>
  t.field({
    type: CustomerTokenRef,
    description: "A signed token that may read this customer only; ttlSeconds from 1 to 86400 (24 hours).",
    authScopes: adminOnly,
    args: { customerId: t.arg.id({ required: true }), ttlSeconds: t.arg.int({ defaultValue: DEFAULT_TTL_SECONDS }) },
    resolve: (_, a, { deps, signingSecret }) =>
      createCustomerToken(deps, signingSecret, a.customerId, a.ttlSeconds ?? DEFAULT_TTL_SECONDS),
  }),
);
