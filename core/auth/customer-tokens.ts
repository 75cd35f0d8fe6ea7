/**
 * Customer tokens: short-lived, read-only credentials for one customer, which a company hands to
 * its frontend. A token is a compact JWT signed with HMAC-SHA256 (HS256) under the deployment's
 * signing secret: `{ sub: customerId, aud, iat, exp }`. Verification accepts exactly that header
 * (so `alg: none` or any other algorithm is refused), compares signatures in constant time, and
 * checks expiry against the deployment's clock (the test clock in test mode).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "../zod";
import type { Deps } from "../deps";
import { getCustomer } from "../customers";
import { IdSchema, parseInput } from "../validation";

export const DEFAULT_TTL_SECONDS = 3600;
export const MAX_TTL_SECONDS = 86_400;
const AUDIENCE = "billing:customer";
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export type CustomerToken = { token: string; expiresAt: Date };
export type VerifiedToken = { customerId: string; expiresAt: Date };

const TtlSchema = z
  .number()
  .check(z.int(), z.gte(1), z.lte(MAX_TTL_SECONDS, `must be at most ${MAX_TTL_SECONDS} seconds (24 hours)`));
const ClaimsSchema = z.object({
  sub: IdSchema,
  aud: z.literal(AUDIENCE),
  iat: z.number().check(z.int()),
  exp: z.number().check(z.int()),
});

/**
 * The default signing secret when none is configured (local use): derived from the bootstrap API
 * key, so tokens stay valid across restarts with the same key. Deployed stages set their own.
 */
export const deriveSigningSecret = (apiKey: string) =>
  createHmac("sha256", apiKey).update("billing customer-token signing secret v1").digest("base64url");

export async function createCustomerToken(
  deps: Deps,
  signingSecret: string,
  customerId: string,
  ttlSeconds = DEFAULT_TTL_SECONDS,
): Promise<CustomerToken> {
  const ttl = parseInput(TtlSchema, ttlSeconds);
  const customer = await getCustomer(deps, customerId);
  const iat = Math.floor((await deps.clock.now()).getTime() / 1000);
  const claims = { sub: customer.id, aud: AUDIENCE, iat, exp: iat + ttl };
  const unsigned = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return { token: `${unsigned}.${sign(signingSecret, unsigned)}`, expiresAt: new Date(claims.exp * 1000) };
}

/** The customer a token speaks for, or undefined when it is malformed, tampered with or expired. */
export function verifyCustomerToken(signingSecret: string, token: string, now: Date): VerifiedToken | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
  const expected = Buffer.from(sign(signingSecret, `${parts[0]}.${parts[1]}`));
  const given = Buffer.from(parts[2]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = ClaimsSchema.safeParse(parseJson(Buffer.from(parts[1]!, "base64url").toString("utf8")));
  if (!claims.success || claims.data.exp * 1000 <= now.getTime()) return undefined;
  return { customerId: claims.data.sub, expiresAt: new Date(claims.data.exp * 1000) };
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
