/**
 * Customer tokens: short-lived, read-only credentials for one customer, which a company hands to
 * its frontend. A token is a compact JWT signed with HMAC-SHA256 (HS256) under the deployment's
 * signing secret, with these claims:
 *
 * - `iss`: the deployment (its table name), `sub`: the customer id;
 * - `aud`: `billing:customer` (read-only, for the company's frontend) or `billing:portal` (a portal
 *   session's: the same reads plus the portal's own operations, schema/auth.ts);
 * - `iat`, `exp`: real time (Unix seconds), as every JWT reader expects; `exp - iat` is at most
 *   24 hours (2 hours for a portal token), and a token claiming more is refused whatever its signature;
 * - `gen`: the customer's token generation when it was minted (revokeCustomerTokens bumps it);
 * - `clockExp`: on a test-clock deployment only, the expiry on the test clock.
 *
 * Verification accepts exactly our header (so `alg: none` or any other algorithm is refused),
 * compares signatures in constant time before it looks at anything else, and checks expiry
 * against real time and, in test mode, against the test clock too: a token expires at whichever
 * comes first, so one never outlives its TTL in real time however the test clock stands.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getCustomer } from "../customers";
import { IdSchema, parseInput } from "../validation";
import { bumpTokenGeneration, getTokenGeneration } from "../db/customer-tokens";

export const DEFAULT_TTL_SECONDS = 3600;
export const MAX_TTL_SECONDS = 86_400;
/** Who a token is for: the company's frontend (read-only) or a portal session. */
export const TokenAudience = { CUSTOMER: "billing:customer", PORTAL: "billing:portal" } as const;
export type TokenAudience = (typeof TokenAudience)[keyof typeof TokenAudience];
/** The longest a token of each audience may live: a portal link is opened at once, so it is short. */
const MAX_TTL: Record<TokenAudience, { seconds: number; words: string }> = {
  [TokenAudience.CUSTOMER]: { seconds: MAX_TTL_SECONDS, words: "24 hours" },
  [TokenAudience.PORTAL]: { seconds: 7200, words: "2 hours" },
};
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
/** Clocks of the machines that mint and verify may disagree by this much. */
const CLOCK_SKEW_SECONDS = 300;

/** What signs and binds tokens: the secret, and the deployment named in `iss`. */
export type TokenKeys = { secret: string; issuer: string };
export type CustomerToken = { token: string; expiresAt: Date };
/** A token whose signature and real-time claims hold; the test clock and generation are checked after. */
export type SignedToken = {
  customerId: string;
  audience: TokenAudience;
  generation: number;
  exp: number;
  clockExp?: number;
};

const ttlSchema = (audience: TokenAudience) =>
  z
    .number()
    .check(
      z.int(),
      z.gte(1),
      z.lte(
        MAX_TTL[audience].seconds,
        `must be at most ${MAX_TTL[audience].seconds} seconds (${MAX_TTL[audience].words})`,
      ),
    );
const ClaimsSchema = z.object({
  iss: z.string(),
  aud: z.enum(TokenAudience),
  sub: IdSchema,
  iat: z.number().check(z.int()),
  exp: z.number().check(z.int()),
  gen: z.number().check(z.int(), z.gte(0)),
  clockExp: z.optional(z.number().check(z.int())),
});

/**
 * The default signing secret when none is configured (local use): derived from the bootstrap API
 * key, so tokens stay valid across restarts with the same key. Deployed stages set their own.
 */
export const deriveSigningSecret = (apiKey: string) =>
  createHmac("sha256", apiKey).update("billing customer-token signing secret v1").digest("base64url");

export async function createCustomerToken(
  deps: Deps,
  keys: TokenKeys,
  customerId: string,
  ttlSeconds = DEFAULT_TTL_SECONDS,
  audience: TokenAudience = TokenAudience.CUSTOMER,
): Promise<CustomerToken> {
  const ttl = parseInput(ttlSchema(audience), ttlSeconds, "ttlSeconds");
  const id = parseInput(IdSchema, customerId, "customerId"); // before any read starts, so none is left unawaited
  const [customer, generation, clockNow] = await Promise.all([
    getCustomer(deps, id),
    getTokenGeneration(deps.db, id),
    deps.clock.now(),
  ]);
  if (customer.deletedAt)
    throw new DomainError("BAD_USER_INPUT", `customer "${customer.id}" was deleted: no token is minted for it`);
  const iat = Math.floor(Date.now() / 1000);
  const clockExp = deps.clock.mode === "test" ? Math.floor(clockNow.getTime() / 1000) + ttl : undefined;
  const claims = { iss: keys.issuer, aud: audience, sub: customer.id, iat, exp: iat + ttl, gen: generation, clockExp };
  const unsigned = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return {
    token: `${unsigned}.${sign(keys.secret, unsigned)}`,
    expiresAt: new Date((clockExp ?? claims.exp) * 1000),
  };
}

/**
 * The token's customer and audience when its signature, issuer, audience, TTL and real-time expiry hold, or
 * undefined. Pure and read-free: garbage costs no database read.
 */
export function verifySignedToken(keys: TokenKeys, token: string, realNowMs: number): SignedToken | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
  const expected = Buffer.from(sign(keys.secret, `${parts[0]}.${parts[1]}`));
  const given = Buffer.from(parts[2]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const parsed = ClaimsSchema.safeParse(parseJson(Buffer.from(parts[1]!, "base64url").toString("utf8")));
  if (!parsed.success) return undefined;
  const { iss, aud, sub, iat, exp, gen, clockExp } = parsed.data;
  const now = realNowMs / 1000;
  if (iss !== keys.issuer || exp <= iat || exp - iat > MAX_TTL[aud].seconds) return undefined;
  if (exp <= now || iat > now + CLOCK_SKEW_SECONDS) return undefined;
  return { customerId: sub, audience: aud, generation: gen, exp, ...(clockExp !== undefined ? { clockExp } : {}) };
}

/**
 * The rest of the check, once the signature held: expiry on the deployment's clock in test mode
 * (a token of the other mode is refused), and the customer's current token generation.
 */
export async function acceptSignedToken(deps: Deps, token: SignedToken): Promise<{ expiresAt: Date } | undefined> {
  const testMode = deps.clock.mode === "test";
  if (testMode !== (token.clockExp !== undefined)) return undefined;
  const [generation, now] = await Promise.all([
    getTokenGeneration(deps.db, token.customerId),
    testMode ? deps.clock.now() : undefined,
  ]);
  if (generation !== token.generation) return undefined;
  if (now && token.clockExp! * 1000 <= now.getTime()) return undefined;
  return { expiresAt: new Date((token.clockExp ?? token.exp) * 1000) };
}

/** Every token of the customer minted before now stops working on the next request. */
export async function revokeCustomerTokens(deps: Deps, customerId: string): Promise<Date> {
  const customer = await getCustomer(deps, customerId);
  const now = await deps.clock.now();
  await bumpTokenGeneration(deps.db, customer.id, now.toISOString());
  return now;
}

/** Looks like a JWT (three base64url parts); decides only which verifier to try. */
export const isTokenShaped = (value: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);

function sign(secret: string, data: string): string {
  return createHmac("sha256", secret).update(data).digest("base64url");
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
