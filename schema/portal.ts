/**
 * The customer portal's API: sessions (an ADMIN key asks for a link), what the page learns about
 * its session, and the purchases a customer asks for, granted when their invoices are paid.
 */
import { createPortalSession, DEFAULT_PORTAL_TTL_SECONDS, type PortalSession } from "../core/portal/session";
import { requestCreditPackPurchase, requestTopUp } from "../core/purchases/request";
import { adminOnly, adminOrPortal } from "./auth";
import { builder } from "./builder";
import { InvoiceRef } from "./invoices";

const PortalSessionRef = builder.objectRef<PortalSession>("PortalSession").implement({
  description: "A link to the portal for one customer; its token travels in the URL fragment, never to a server.",
  fields: (t) => ({
    url: t.exposeString("url"),
    expiresAt: t.field({ type: "DateTime", resolve: (s) => s.expiresAt }),
  }),
});

type PortalContext = { customerId: string; expiresAt: Date; testMode: boolean };

const PortalContextRef = builder.objectRef<PortalContext>("PortalContext").implement({
  description: "What the portal page needs to know about its own session.",
  fields: (t) => ({
    customerId: t.exposeID("customerId"),
    expiresAt: t.field({ type: "DateTime", resolve: (c) => c.expiresAt }),
    testMode: t.exposeBoolean("testMode", {
      description: "The deployment runs on a test clock: the portal may pay its own purchases (pay (test mode)).",
    }),
  }),
});

builder.queryField("portalSession", (t) =>
  t.field({
    type: PortalContextRef,
    description: "With a portal token: the customer it speaks for, when it expires, and whether this is test mode.",
    authScopes: { portalToken: true },
    resolve: (_, __, { deps, principal }) => {
      if (principal.kind !== "customer") throw new Error("unreachable: portalToken scope");
      return {
        customerId: principal.customerId,
        expiresAt: principal.expiresAt,
        testMode: deps.clock.mode === "test",
      };
    },
  }),
);

builder.mutationFields((t) => ({
  createPortalSession: t.field({
    type: PortalSessionRef,
    description:
      "A link to the hosted portal for one customer, with a short-lived customer token in its fragment. ttlSeconds from 1 to 7200 (2 hours); returnUrl (where the portal's back link goes) must be https in production.",
    authScopes: adminOnly,
    args: {
      customerId: t.arg.id({ required: true }),
      returnUrl: t.arg.string(),
      ttlSeconds: t.arg.int({ defaultValue: DEFAULT_PORTAL_TTL_SECONDS }),
    },
    resolve: (_, a, { deps, tokens, portalUrl }) => createPortalSession(deps, tokens, portalUrl(), a),
  }),
  requestCreditPackPurchase: t.field({
    type: InvoiceRef,
    description:
      "With a portal session's customer token or an ADMIN key: an OPEN invoice for the pack; its credits arrive when the invoice is paid.",
    authScopes: (_, a) => adminOrPortal(a.customerId),
    args: {
      customerId: t.arg.id({ required: true }),
      packCode: t.arg.id({ required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => requestCreditPackPurchase(deps, a.customerId, a.packCode, a.idempotencyKey),
  }),
  requestTopUp: t.field({
    type: InvoiceRef,
    description:
      "With a portal session's customer token or an ADMIN key: an OPEN invoice for the top-up; the funds arrive when the invoice is paid. amount from 5 to 10000 in the customer's currency.",
    authScopes: (_, a) => adminOrPortal(a.customerId),
    args: {
      customerId: t.arg.id({ required: true }),
      amount: t.arg({ type: "Money", required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => requestTopUp(deps, a.customerId, a.amount, a.idempotencyKey),
  }),
}));
