/**
 * The rules for a URL an API caller hands the deployment, shared by every place that takes one:
 * a webhook endpoint (the deployment sends to it: core/webhooks/ssrf.ts adds the address rules)
 * and a portal session's return link (a customer's browser is sent to it: core/portal/session.ts).
 *
 * An absolute URL of at most 2048 characters, https in production (the real clock); test mode (the
 * test clock) also allows plain http to the loopback names, so a developer's local app works; never
 * a user name or password in it (they would travel to logs and browser histories).
 */
import type { ClockMode } from "./clock";

export const MAX_URL_LENGTH = 2048;
export const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The URL `text` names, or what is wrong with it; `example` shows a caller what is expected. */
export function parseUrl(text: string, example: string): { url: URL } | { problem: string } {
  if (text.length > MAX_URL_LENGTH) return { problem: `must be at most ${MAX_URL_LENGTH} characters` };
  try {
    return { url: new URL(text) };
  } catch {
    return { problem: `must be an absolute URL such as ${example}` };
  }
}

/** What is wrong with the URL's scheme or credentials, if anything. */
export function schemeProblem(url: URL, mode: ClockMode): string | undefined {
  const loopbackHost = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && mode === "test" && loopbackHost))
    return mode === "test"
      ? "must use https (plain http only to localhost, 127.0.0.1 or [::1] in test mode)"
      : "must use https";
  if (url.username || url.password) return "must not carry a user name or password";
  return undefined;
}
