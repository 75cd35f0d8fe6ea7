/**
 * The period-close sweeper Lambda, invoked by an EventBridge schedule every 5 minutes. It closes
 * what is due within its time budget (leaving a safety margin before the Lambda timeout) and logs
 * one JSON line: found, closed, failed, duration. A run that could not finish leaves the rest to
 * the next one; failures of single customers never stop the others.
 */
import { closeDuePeriods } from "../core/periods/sweep";
import { loadConfig } from "./config";
import { depsFromConfig } from "./deps";

/** The parts of an EventBridge scheduled event (and the Lambda context) this handler reads. */
export type ScheduledEvent = { id?: string; time?: string; "detail-type"?: string; source?: string };
export type LambdaContext = { getRemainingTimeInMillis?: () => number };

const SAFETY_MARGIN_MS = 10_000;
const DEFAULT_BUDGET_MS = 240_000;

const deps = depsFromConfig(loadConfig());

export async function handler(event: ScheduledEvent, context?: LambdaContext) {
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MARGIN_MS;
  const result = await closeDuePeriods(deps, { budgetMs: Math.max(1_000, remaining - SAFETY_MARGIN_MS) });
  console.log(
    JSON.stringify({ event: "close-periods", trigger: event.id ?? null, scheduledAt: event.time ?? null, ...result }),
  );
  return result;
}
