/**
 * Portal sessions: a link a company's backend asks for and sends its customer's browser to. The
 * link is the portal's page with a short-lived portal token (core/auth/customer-tokens.ts, audience
 * `billing:portal`) and the company's return link in its fragment: a browser never sends a
 * fragment to a server, so the token reaches no access log, proxy or Referer header. The page
 * moves it to session storage and removes it from the address bar.
 *
 * 30 minutes by default, at most 2 hours: the link is meant to be opened at once (a company's
 * "Billing" button creates one per click), and a forwarded or leaked link dies soon. Revoking the
 * customer's tokens (revokeCustomerTokens) ends every session at once too.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { createCustomerToken, TokenAudience, type TokenKeys } from "../auth/customer-tokens";
import { parseUrl, schemeProblem } from "../urls";

export const DEFAULT_PORTAL_TTL_SECONDS = 1800;

export type PortalSession = { url: string; expiresAt: Date };

/**
 * A portal link for this customer (NOT_FOUND for an unknown one). `portalUrl`: where the
 * deployment serves the portal page; `returnUrl`: where the page's "back" link goes (https in
 * production: core/urls.ts).
 */
export async function createPortalSession(
  deps: Deps,
  keys: TokenKeys,
  portalUrl: string,
  input: { customerId: string; returnUrl?: string | null; ttlSeconds?: number | null },
): Promise<PortalSession> {
  const returnUrl = input.returnUrl == null ? undefined : checkReturnUrl(input.returnUrl, deps);
  const { token, expiresAt } = await createCustomerToken(
    deps,
    keys,
    input.customerId,
    input.ttlSeconds ?? DEFAULT_PORTAL_TTL_SECONDS,
    TokenAudience.PORTAL,
  );
  const fragment = new URLSearchParams({ token, ...(returnUrl ? { return: returnUrl } : {}) });
  return { url: `${portalUrl}#${fragment}`, expiresAt };
}

function checkReturnUrl(text: string, deps: Deps): string {
  const parsed = parseUrl(text, "https://app.example.com/account");
  const problem = "problem" in parsed ? parsed.problem : schemeProblem(parsed.url, deps.clock.mode);
  if (problem) throw new DomainError("BAD_USER_INPUT", `returnUrl ${problem}`);
  return (parsed as { url: URL }).url.href;
}
