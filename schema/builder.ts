/**
 * The one Pothos builder. Scalars carry exact bigints and Dates; every resolver gets `deps` and the
 * authenticated `principal`. Authorisation is declared on fields with `authScopes` (scope-auth
 * plugin); the scopes are defined in schema/auth.ts and failures become errors in schema/errors.ts.
 */
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import type { TokenKeys } from "../core/auth/customer-tokens";
import type { Principal } from "../core/auth/principal";
import type { Deps } from "../core/deps";
import type { WebhookDeps } from "../core/webhooks/deps";
import { scopesOf, type AuthScopes } from "./auth";
import { authError } from "./errors";

/**
 * `webhooks`: deps plus the vault of endpoint secrets and the transport attempts are sent with.
 * `portalUrl`: where this deployment serves the customer portal's page (a function: by default it
 * is resolved against the request's URL, which only createPortalSession needs).
 */
export type Context = {
  deps: Deps;
  principal: Principal;
  tokens: TokenKeys;
  webhooks: WebhookDeps;
  portalUrl: () => string;
};

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    Money: { Input: bigint; Output: bigint };
    Decimal: { Input: bigint; Output: bigint };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin],
  scopeAuth: {
    authScopes: (context) => scopesOf(context.principal),
    unauthorizedError: (_parent, context) => authError(context.principal),
  },
});

builder.queryType({});
builder.mutationType({});
