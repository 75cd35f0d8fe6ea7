/**
 * Who is calling: the deployment's bootstrap key, a stored API key with its scope, or a customer
 * token. `authenticate` turns a bearer credential into one of them, or undefined when it is
 * missing, malformed, unknown, revoked, tampered with or expired. Whatever cannot be ours is
 * refused before any read: a key of the wrong shape, checksum or clock mode, a token whose
 * signature, issuer or real-time expiry fails. Only then is one item read (the key by its hash;
 * the customer's token generation, with the test clock in test mode).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Deps } from "../deps";
import { findActiveKey, isApiKeySecret, type ApiKeyScope } from "./api-keys";
import { acceptSignedToken, isTokenShaped, TokenAudience, verifySignedToken, type TokenKeys } from "./customer-tokens";

export type Principal =
  | { kind: "bootstrap" }
  | { kind: "apiKey"; keyId: string; scope: ApiKeyScope }
  /** `portal`: a portal session's token (TokenAudience.PORTAL), which may also call the portal's operations. */
  | { kind: "customer"; customerId: string; expiresAt: Date; portal: boolean };

export type Credentials = { bootstrapKey: string; tokens: TokenKeys };

/** Longer bearer values are refused without further work. */
const MAX_CREDENTIAL_LENGTH = 2048;

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The bootstrap key's digest, once per credentials (its key never changes). */
const bootstrapDigests = new WeakMap<Credentials, { key: string; digest: Buffer }>();
const bootstrapDigest = (credentials: Credentials) => {
  let known = bootstrapDigests.get(credentials);
  if (known?.key !== credentials.bootstrapKey) {
    known = { key: credentials.bootstrapKey, digest: digest(credentials.bootstrapKey) };
    bootstrapDigests.set(credentials, known);
  }
  return known.digest;
};

export async function authenticate(
  deps: Deps,
  credentials: Credentials,
  bearer: string,
): Promise<Principal | undefined> {
  if (bearer.length > MAX_CREDENTIAL_LENGTH) return undefined;
  if (timingSafeEqual(digest(bearer), bootstrapDigest(credentials))) return { kind: "bootstrap" };
  if (isApiKeySecret(bearer)) {
    const key = await findActiveKey(deps, bearer);
    return key && { kind: "apiKey", keyId: key.id, scope: key.scope };
  }
  if (isTokenShaped(bearer)) {
    const signed = verifySignedToken(credentials.tokens, bearer, Date.now());
    const accepted = signed && (await acceptSignedToken(deps, signed));
    return (
      accepted && {
        kind: "customer",
        customerId: signed.customerId,
        expiresAt: accepted.expiresAt,
        portal: signed.audience === TokenAudience.PORTAL,
      }
    );
  }
  return undefined;
}

/** How the audit log names a caller; never a secret. */
export function callerOf(principal: Principal): string {
  if (principal.kind === "bootstrap") return "bootstrap";
  if (principal.kind === "apiKey") return principal.keyId;
  return `${principal.portal ? "portal" : "customer"}:${principal.customerId}`;
}
