/**
 * Endpoint secrets: `whsec_` + base64 of 32 random bytes (Standard Webhooks: 24 to 64 bytes),
 * shown once, when created or rotated. Stored sealed with AES-256-GCM under a key derived (HKDF)
 * from the deployment's signing secret, with the endpoint's id as associated data, so a dump of
 * the table alone reveals no secret and a sealed secret cannot be moved to another endpoint.
 *
 * Rotating the deployment's signing secret therefore makes stored endpoint secrets unreadable:
 * attempts then fail with a message saying so, and `rotateWebhookSecret` issues a fresh one.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
const KEY_INFO = "ai-billing webhook endpoint secrets v1";
const SEALED_VERSION = "v1";

/** Shaped like an endpoint secret (for redaction: the audit log never writes one). */
export const looksLikeWebhookSecret = (value: string) => /whsec_[A-Za-z0-9+/=_-]{8,}/.test(value);

export const newWebhookSecret = (): string => SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");

/** The HMAC key of a `whsec_` secret: its base64 part, decoded. */
export const secretKey = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");

export class UnreadableSecretError extends Error {
  constructor() {
    super(
      "the endpoint's secret cannot be read: the deployment's signing secret changed since it was sealed; rotateWebhookSecret issues a new one",
    );
    this.name = "UnreadableSecretError";
  }
}

export type SecretVault = {
  seal(secret: string, endpointId: string): string;
  /** Throws UnreadableSecretError when sealed under another key, or tampered with. */
  open(sealed: string, endpointId: string): string;
};

export function secretVault(signingSecret: string): SecretVault {
  const key = Buffer.from(hkdfSync("sha256", signingSecret, Buffer.alloc(0), KEY_INFO, 32));
  return {
    seal(secret, endpointId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(endpointId, "utf8"));
      const data = Buffer.concat([cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${SEALED_VERSION}.${iv.toString("base64url")}.${data.toString("base64url")}`;
    },
    open(sealed, endpointId) {
      const [version, iv, data] = sealed.split(".");
      if (version !== SEALED_VERSION || !iv || !data) throw new UnreadableSecretError();
      const bytes = Buffer.from(data, "base64url");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
        decipher.setAAD(Buffer.from(endpointId, "utf8"));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString(
          "utf8",
        );
      } catch {
        throw new UnreadableSecretError();
      }
    },
  };
}
