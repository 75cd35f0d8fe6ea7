/**
 * `npm start`'s webhooks: delivered in-process by the code the AWS delivery function runs
 * (core/webhooks/in-process.ts). Every published event (the log's, and the sweeper's outbox
 * republishing) fans out to the endpoints and is attempted at once; a poller runs the due pass
 * (retries, by the test clock: `advanceClock` makes them due) every BILLING_WEBHOOK_INTERVAL_MS
 * (scripts/start/options.ts).
 * Endpoint secrets are sealed with the same signing secret the API uses.
 */
import { deriveSigningSecret } from "../../core/auth/customer-tokens";
import type { Deps } from "../../core/deps";
import { inProcessWebhooks } from "../../core/webhooks/in-process";
import type { WebhookDeps } from "../../core/webhooks/deps";

export function startLocalWebhooks(
  deps: Deps,
  credentials: { apiKey: string; signingSecret: string | undefined },
  intervalMs: number,
  log: (line: string) => void,
): { deps: WebhookDeps; stop: () => Promise<void> } {
  const webhooks = inProcessWebhooks(deps, credentials.signingSecret ?? deriveSigningSecret(credentials.apiKey));
  const poller = webhooks.startPoller(intervalMs, log);
  return { deps: webhooks.deps, stop: poller.stop };
}
