/**
 * The thresholds of one usage write: the plan's built-in ones (its model's) and the customer's
 * alerts, which of them the write fires (./crossing.ts, made exact by its conditions), and the
 * events it then announces from the outbox in the same transaction. A reservation's write passes
 * its hold move too (`hold`): reserve and settle cross thresholds like a track.
 */
import type { BillingEvent } from "../events/billing-event";
import { strategyFor } from "../models";
import type { WalletDelta } from "../models/types";
import type { Plan } from "../plans/plan";
import type { Wallet } from "../wallet";
import { alertThresholds } from "./alert";
import { announceThresholds } from "./announce";
import { planAlarms, type AlarmPlan, type HoldLevels } from "./crossing";

export type WriteAlarms = { plan: AlarmPlan; at: string; events: BillingEvent[] };

export function alarmsForWrite(
  plan: Plan,
  wallet: Wallet,
  periodStart: string,
  delta: WalletDelta,
  now: Date,
  hold?: HoldLevels,
): WriteAlarms {
  const thresholds = [
    ...strategyFor(plan.model).thresholds(plan, wallet, periodStart),
    ...alertThresholds(wallet, periodStart),
  ];
  const alarms = planAlarms(thresholds, wallet, delta, hold);
  const at = now.toISOString();
  return { plan: alarms, at, events: announceThresholds(alarms.announced, wallet, periodStart, at) };
}

/** The wallet as the write leaves its markers (what this process remembers of it). */
export function withFired(wallet: Wallet, { plan, at }: WriteAlarms): Wallet {
  const fired = plan.checks.filter((c) => c.fires);
  if (!fired.length) return wallet;
  const alarms = { ...wallet.alarms };
  const alerts = { ...wallet.alerts };
  for (const { threshold: t, stores } of fired) {
    if (t.marker.kind === "builtIn") alarms[t.marker.name] = stores;
    else if (alerts[t.marker.id] && t.announce.type === "alert.triggered")
      alerts[t.marker.id] = {
        ...alerts[t.marker.id]!,
        fired: t.firedAs,
        lastTriggeredAt: at,
        triggers: t.announce.triggers,
      };
  }
  return { ...wallet, alarms, ...(wallet.alerts ? { alerts } : {}) };
}
