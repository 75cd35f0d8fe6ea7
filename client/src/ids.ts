/**
 * Idempotency keys for calls that were given none: random, 128 bits, and within the server's ID
 * alphabet. `crypto.randomUUID` exists on Node 20, Bun, Deno, Workers and browsers (in secure
 * contexts); `getRandomValues` covers the rest.
 */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
