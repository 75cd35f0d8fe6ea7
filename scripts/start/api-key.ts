/**
 * The API key of a local server. BILLING_API_KEY (the `apiKey` option) wins when set, and is
 * written nowhere. Otherwise the key stored in `<data dir>/api-key` is used, and on the first
 * start a random key is generated and stored there (mode 0600), so restarts keep it. In memory
 * mode a new key is generated per start.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensurePrivateDir } from "../../tools/dynamodb-local/start";

export const API_KEY_FILE = "api-key";

export type ApiKeySource = "given" | "stored" | "generated";

export function resolveApiKey(
  given: string | undefined,
  dataDir: string | undefined,
): { apiKey: string; source: ApiKeySource } {
  if (given !== undefined) {
    if (!given.trim()) throw new Error("the API key must not be empty");
    return { apiKey: given.trim(), source: "given" };
  }
  const file = dataDir ? join(dataDir, API_KEY_FILE) : undefined;
  if (file && existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored) return { apiKey: stored, source: "stored" };
  }
  const apiKey = `bk_dev_${randomBytes(24).toString("base64url")}`;
  if (dataDir && file) {
    ensurePrivateDir(dataDir);
    writeFileSync(file, `${apiKey}\n`, { mode: 0o600 });
  }
  return { apiKey, source: "generated" };
}

/** Where the key came from, as the start banner says it. */
export function apiKeyNote(source: ApiKeySource, dataDir: string | undefined): string {
  return {
    given: "from BILLING_API_KEY",
    stored: `stored in ${join(resolve(dataDir ?? "."), API_KEY_FILE)}`,
    generated: dataDir ? `new, stored in ${join(resolve(dataDir), API_KEY_FILE)}` : "new for this run (memory mode)",
  }[source];
}
