import {
  createCustomerToken,
  DEFAULT_TTL_SECONDS,
  revokeCustomerTokens,
  type CustomerToken,
} from "../core/auth/customer-tokens";
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
    resolve: (_, a, { deps, tokens }) =>
      createCustomerToken(deps, tokens, a.customerId, a.ttlSeconds ?? DEFAULT_TTL_SECONDS),
  }),
);

builder.mutationField("revokeCustomerTokens", (t) =>
  t.field({
    type: "DateTime",
    description:
      "Every customer token of this customer minted before this call stops working on its next request; returns when (the deployment's clock).",
    authScopes: adminOnly,
    args: { customerId: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => revokeCustomerTokens(deps, a.customerId),
  }),
);
