/** The events of the thresholds a usage write fired (core/alerts/crossing.ts), one per family. */
import type { BillingEvent } from "../events/billing-event";
import { alertTriggered, fundsLow, usageThresholdReached } from "../events";
import type { Wallet } from "../wallet";
import { firingOrdinal, type Threshold } from "./threshold";

export function announceThresholds(
  fired: Threshold[],
  wallet: Wallet,
  periodStart: string,
  time: string,
): BillingEvent[] {
  const customerId = wallet.customerId;
  return fired.flatMap((t): BillingEvent[] => {
    const a = t.announce;
    switch (a.type) {
      case "usage.threshold_reached":
        return [usageThresholdReached(customerId, periodStart, time, { ...a, threshold: t.at })];
      case "credits.low":
      case "balance.low":
        return [
          fundsLow(a.type, customerId, periodStart, time, {
            granted: a.granted,
            threshold: t.at,
            firing: firingOrdinal(wallet, t),
          }),
        ];
      default: {
        const alert = wallet.alerts?.[a.alertId];
        return alert ? [alertTriggered(alert, a.triggers, periodStart, time)] : [];
      }
    }
  });
}
