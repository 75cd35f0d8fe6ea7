/**
 * The scheduled pass over the webhook due index: every delivery whose next attempt is due by the
 * deployment clock is attempted, with bounded concurrency, until the time budget runs out (the
 * next pass continues). It runs every minute on AWS (the delivery function's schedule) and every
 * second under `npm start`; tests call it after `advanceClock`. Attempts running elsewhere are
 * skipped (their claim holds them), so overlapping passes are harmless.
 */
import { listDueDeliveries } from "../db/webhook-deliveries";
import { drain } from "../drain";
import { attemptDelivery } from "./attempt";
import type { WebhookDeps } from "./deps";

export type PassOptions = { budgetMs?: number; concurrency?: number };
/**
 * found: due deliveries seen; attempted: attempts sent; succeeded / failed: their outcomes;
 * skipped: held by another worker; errors: attempts that threw (a database failure; logged, retried next pass).
 */
export type PassResult = {
  found: number;
  attempted: number;
  succeeded: number;
  failed: number;
  skipped: number;
  errors: number;
  durationMs: number;
  complete: boolean;
};

export async function deliverDue(deps: WebhookDeps, options: PassOptions = {}): Promise<PassResult> {
  const started = Date.now();
  const budgetMs = options.budgetMs ?? 50_000;
  const result: PassResult = {
    found: 0,
    attempted: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    errors: 0,
    durationMs: 0,
    complete: true,
  };
  const drained = await drain(
    listDueDeliveries(deps.db, await deps.clock.now()),
    { started, budgetMs, concurrency: options.concurrency ?? 16 },
    async (deliveryId) => {
      result.found++;
      try {
        const outcome = await attemptDelivery(deps, deliveryId);
        if (outcome.kind === "held") result.skipped++;
        if (outcome.kind === "sent") {
          result.attempted++;
          if (outcome.succeeded) result.succeeded++;
          else result.failed++;
        }
      } catch (error) {
        result.errors++;
        console.error(
          JSON.stringify({ level: "error", msg: "webhook attempt failed", deliveryId, error: String(error) }),
        );
      }
    },
  );
  result.complete = drained.complete;
  result.durationMs = Date.now() - started;
  return result;
}
