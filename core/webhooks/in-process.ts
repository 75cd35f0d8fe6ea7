/**
 * Webhooks in one process (`npm start`, tests), with the code the AWS delivery function runs:
 * the publisher hands every published event to the fan-out after the inner publisher (the log),
 * then starts their attempts without waiting for them (a mutation never waits on a receiver);
 * a poller runs the due pass (retries, and anything a crash left) every interval.
 *
 * A fan-out that fails makes the publish fail, so the outbox keeps the events and the sweeper
 * publishes them again: a crash between a write and its delivery still delivers.
 */
import type { BillingEvent, Deps, EventPublisher } from "../deps";
import { messageOf, repeatEvery } from "../repeat";
import { attemptFannedOut } from "./attempt";
import { type WebhookDeps, webhookDeps } from "./deps";
import { fanOut } from "./fan-out";
import { deliverDue, type PassResult } from "./pass";
import type { Transport } from "./transport";

export type InProcessWebhooks = {
  /** `base` with the webhook publisher in place: what the API and the sweeper should be given. */
  deps: WebhookDeps;
  /** Runs the due pass now. */
  deliverDue: () => Promise<PassResult>;
  /** Runs the due pass every `intervalMs`, never two at once; `stop` waits for a running one. */
  startPoller: (intervalMs: number, log?: (line: string) => void) => { stop: () => Promise<void> };
  /** Waits until every attempt started by publishing has ended. */
  idle: () => Promise<void>;
};

export function inProcessWebhooks(
  base: Deps,
  signingSecret: string,
  options: { transport?: Transport } = {},
): InProcessWebhooks {
  const running = new Set<Promise<unknown>>();
  const inner = base.publisher;
  const publisher: EventPublisher = {
    async publish(events: BillingEvent[]) {
      await inner.publish(events);
      for (const fanned of await fanOut(deps, events)) {
        const attempt = attemptFannedOut(deps, fanned);
        running.add(attempt);
        attempt.finally(() => running.delete(attempt));
      }
    },
  };
  const deps: WebhookDeps = webhookDeps({ ...base, publisher }, signingSecret, options.transport);
  const pass = () => deliverDue(deps, { budgetMs: 30_000 });
  return {
    deps,
    deliverDue: pass,
    startPoller(intervalMs, log = () => {}) {
      const loop = repeatEvery(
        intervalMs,
        async () => {
          const r = await pass();
          if (r.attempted || r.errors)
            log(
              `webhooks: ${r.attempted} attempt(s), ${r.succeeded} delivered, ${r.failed} failed${r.errors ? `, ${r.errors} errors` : ""}`,
            );
        },
        (error) => log(`webhooks: pass failed: ${messageOf(error)}`),
      );
      return {
        async stop() {
          await loop.stop();
          await Promise.all(running);
        },
      };
    },
    async idle() {
      while (running.size) await Promise.all(running);
    },
  };
}
