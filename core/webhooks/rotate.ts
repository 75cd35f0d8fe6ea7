/**
 * Secret rotation: a new secret signs from now on, and the one it replaces keeps signing beside
 * it for 24 hours of the deployment's clock (two signatures in `webhook-signature`), so receivers
 * can switch without losing a delivery. At most two previous secrets are kept (rotating again
 * within the day keeps both older ones until their own 24 hours end). Which secrets sign an
 * attempt is decided when it is sent (`signingSecrets`).
 */
import type { WebhookDeps } from "./deps";
import { change } from "./endpoints";
import { newWebhookSecret, type SecretVault, UnreadableSecretError } from "./secrets";
import type { StoredEndpoint, WebhookEndpoint } from "./types";

export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
const MAX_PREVIOUS_SECRETS = 2;

export async function rotateWebhookSecret(
  deps: WebhookDeps,
  id: string,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newWebhookSecret();
  const endpoint = await change(deps, id, (e, now) => {
    const until = new Date(Date.parse(now) + ROTATION_OVERLAP_MS).toISOString();
    const previous = e.secrets
      .filter((s) => !s.expiresAt || s.expiresAt > now)
      .map((s) => (s.expiresAt ? s : { ...s, expiresAt: until }))
      .slice(0, MAX_PREVIOUS_SECRETS);
    return { ...e, secrets: [{ sealed: deps.vault.seal(secret, e.id), createdAt: now }, ...previous], updatedAt: now };
  });
  return { endpoint, secret };
}

/** The secrets that sign at `now`, newest first; an unreadable previous one is skipped, an unreadable current one throws. */
export function signingSecrets(vault: SecretVault, endpoint: StoredEndpoint, now: Date): string[] {
  const at = now.toISOString();
  const valid = endpoint.secrets.filter((s) => !s.expiresAt || s.expiresAt > at);
  const opened: string[] = [];
  for (const [i, s] of valid.entries()) {
    try {
      opened.push(vault.open(s.sealed, endpoint.id));
    } catch (error) {
      if (i === 0 || !(error instanceof UnreadableSecretError)) throw error;
    }
  }
  if (!opened.length) throw new UnreadableSecretError();
  return opened;
}
