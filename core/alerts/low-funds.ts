/**
 * `credits.low` and `balance.low`: what is left falls to 10% of what the period granted plus what
 * was bought. Nothing granted or bought, no threshold (running out is then
 * `credits.depleted` / `balance.negative`). Funds arriving change the share, which re-arms it.
 */
import type { Amount } from "../money";
import { periodArming, shareOf, type Threshold } from "./threshold";

export const LOW_FUNDS_BPS = 1_000n;

export function lowFunds(kind: "credits" | "balance", granted: Amount, periodStart: string): Threshold[] {
  if (granted <= 0n) return [];
  return [
    {
      marker: { kind: "builtIn", name: `${kind}.low` },
      level: { kind },
      direction: "DOWN",
      at: shareOf(granted, LOW_FUNDS_BPS),
      firedAs: periodArming(periodStart, granted),
      family: `${kind}.low`,
      rank: 0,
      announce: { type: `${kind}.low`, granted },
    },
  ];
}
