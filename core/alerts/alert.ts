/**
 * Custom usage alerts (`createUsageAlert`, like Stripe's billing alerts): a customer-level
 * threshold on one metric, firing `alert.triggered` when a usage write takes the metric to it.
 * USAGE (one feature's usage this period) and SPEND (money spent this period, BALANCE plans) fire
 * when reaching the threshold; CREDITS_REMAINING and BALANCE_REMAINING when falling to it or below.
 * A metric only a plan of another model moves (SPEND on a CREDITS plan) simply never fires there.
 * EVERY_PERIOD alerts re-arm at each period (the *_REMAINING ones also when funds arrive); ONCE
 * alerts fire once, ever. An alert created when its metric is already past the threshold fires at
 * the next usage that moves the metric.
 *
 * Alerts live on the wallet item (`alerts`), so the usage write that crosses one sees it without a
 * read and decides the crossing in its own transaction (./crossing.ts).
 */
import * as z from "../zod";
import type { Amount } from "../money";
import { IdSchema } from "../validation";
import { MAX_SUM } from "../bounds";
import type { Level, Threshold } from "./threshold";
import { periodArming } from "./threshold";
import { creditsGranted, balanceGranted } from "./granted";
import type { Wallet } from "../wallet";

export const AlertMetric = ["USAGE", "SPEND", "CREDITS_REMAINING", "BALANCE_REMAINING"] as const;
export type AlertMetric = (typeof AlertMetric)[number];
export const AlertRecurrence = ["ONCE", "EVERY_PERIOD"] as const;
export type AlertRecurrence = (typeof AlertRecurrence)[number];

/** At most this many alerts per customer that are not archived (each is checked by every usage write). */
export const MAX_ACTIVE_ALERTS = 20;
/** Archived alerts still listed, newest first; older ones are forgotten (the wallet item stays small). */
export const MAX_ARCHIVED_ALERTS = 20;

export type UsageAlert = {
  id: string;
  customerId: string;
  feature?: string;
  metric: AlertMetric;
  threshold: Amount;
  recurrence: AlertRecurrence;
  createdAt: string;
  archived: boolean;
  archivedAt?: string;
  lastTriggeredAt?: string;
  /** How often it fired (its event ids count them). */
  triggers: number;
  /** Its marker (./threshold.ts): what it stored when it last fired. */
  fired?: string;
};

export const CreateUsageAlertInputSchema = z.object({
  customerId: IdSchema,
  feature: z.optional(z.nullable(IdSchema)),
  metric: z.enum(AlertMetric),
  threshold: z.bigint().check(z.gte(0n, "must not be negative"), z.lte(MAX_SUM)),
  recurrence: z.optional(z.nullable(z.enum(AlertRecurrence))),
});
export type CreateUsageAlertInput = z.input<typeof CreateUsageAlertInputSchema>;

const levelOf = (a: UsageAlert): Level => {
  switch (a.metric) {
    case "USAGE":
      return { kind: "usage", feature: a.feature! };
    case "SPEND":
      return { kind: "spent" };
    case "CREDITS_REMAINING":
      return { kind: "credits" };
    case "BALANCE_REMAINING":
      return { kind: "balance" };
  }
};

/** What re-arms it besides the period: the funds its level is drawn from (*_REMAINING only). */
const fundsOf = (a: UsageAlert, w: Wallet): Amount | undefined =>
  a.metric === "CREDITS_REMAINING"
    ? creditsGranted(w)
    : a.metric === "BALANCE_REMAINING"
      ? balanceGranted(w)
      : undefined;

/** The customer's alerts that are not archived, as thresholds of the wallet's current period. */
export function alertThresholds(wallet: Wallet, periodStart: string): Threshold[] {
  return Object.values(wallet.alerts ?? {})
    .filter((a) => !a.archived)
    .map((a) => {
      const level = levelOf(a);
      return {
        marker: { kind: "alert", id: a.id },
        level,
        direction: level.kind === "usage" || level.kind === "spent" ? "UP" : "DOWN",
        at: a.threshold,
        firedAs: a.recurrence === "ONCE" ? "ONCE" : periodArming(periodStart, fundsOf(a, wallet)),
        family: `alert:${a.id}`,
        rank: 0,
        announce: { type: "alert.triggered", alertId: a.id, triggers: a.triggers + 1 },
      };
    });
}
