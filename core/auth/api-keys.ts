/**
 * Secret API keys for backends. A key is `bk_live_` (real clock) or `bk_test_` (test clock),
 * 256 random bits (43 base64url characters) and a 6-character checksum of what precedes it; it is
 * shown once, at creation, and stored only as its SHA-256. The checksum is not a secret (anyone
 * can compute it): it lets garbage, typos and truncated pastes be refused without a database
 * read. A key of the other clock mode is refused too, before any read: a test key never works
 * against a real-clock deployment, nor a live key against a test one. Keys made before the
 * checksum (43 characters after the prefix) still work, and still cost a read to refuse.
 * Scopes: ADMIN may do everything, INGEST only what a metering backend needs (see schema/auth.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import * as z from "../zod";
import type { ClockMode } from "../clock";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { IdSchema, NameSchema, parseInput } from "../validation";
import * as repo from "../db/api-keys";
import { ApiKeyScope, type ApiKey } from "./api-key";

export { ApiKeyScope, type ApiKey } from "./api-key";

export const LIVE_PREFIX = "bk_live_";
export const TEST_PREFIX = "bk_test_";
/** What a listing shows of a secret: the kind and the first 4 random characters, enough to recognise it. */
const SHOWN_CHARACTERS = LIVE_PREFIX.length + 4;

const CreateApiKeyInputSchema = z.object({ name: NameSchema, scope: z.enum(ApiKeyScope) });

export const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

const checksum = (body: string) => createHash("sha256").update(body).digest("base64url").slice(0, 6);

/** Looks like one of our secrets: a recognisable prefix, 43 base64url characters of randomness, a checksum. */
export function isApiKeySecret(value: string): boolean {
  const match = /^(bk_(?:live|test)_[A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})?$/.exec(value);
  return !!match && (match[2] === undefined || match[2] === checksum(match[1]!));
}

/** The prefix a key of this clock mode carries. */
export const prefixFor = (mode: ClockMode) => (mode === "real" ? LIVE_PREFIX : TEST_PREFIX);

export async function createApiKey(
  deps: Deps,
  input: { name: string; scope: ApiKeyScope },
): Promise<{ key: ApiKey; secret: string }> {
  const parsed = parseInput(CreateApiKeyInputSchema, input, "");
  const body = prefixFor(deps.clock.mode) + randomBytes(32).toString("base64url");
  const secret = body + checksum(body);
  const key: ApiKey = {
    id: `key_${randomBytes(10).toString("hex")}`,
    name: parsed.name,
    scope: parsed.scope,
    prefix: secret.slice(0, SHOWN_CHARACTERS),
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertApiKey(deps.db, { ...key, hash: hashSecret(secret) });
  return { key, secret };
}

export async function listApiKeys(deps: Deps): Promise<ApiKey[]> {
  return (await repo.listApiKeys(deps.db))
    .map(withoutHash)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Revokes a key for every later request; revoking a revoked key answers it unchanged. */
export async function revokeApiKey(deps: Deps, id: string): Promise<ApiKey> {
  const key = await repo.getApiKey(deps.db, parseInput(IdSchema, id, "id"));
  if (!key) throw new DomainError("NOT_FOUND", `API key "${id}" not found`);
  if (key.revokedAt) return withoutHash(key);
  const revokedAt = (await deps.clock.now()).toISOString();
  if (await repo.markRevoked(deps.db, key, revokedAt)) return withoutHash({ ...key, revokedAt });
  return withoutHash((await repo.getApiKey(deps.db, key.id))!);
}

/**
 * The active key a secret belongs to, or undefined. One consistent read by hash and no cache, so
 * a revocation applies to the very next request on every Lambda container.
 */
export async function findActiveKey(deps: Deps, secret: string): Promise<ApiKey | undefined> {
  if (!secret.startsWith(prefixFor(deps.clock.mode)) || !isApiKeySecret(secret)) return undefined;
  const key = await repo.getApiKeyByHash(deps.db, hashSecret(secret));
  return key && !key.revokedAt ? withoutHash(key) : undefined;
}

function withoutHash({ hash: _, ...key }: repo.StoredApiKey): ApiKey {
  return key;
}
