/**
 * Thresholds a usage write can cross: the built-in ones each consumption model declares
 * (`usage.threshold_reached` at 80% and 100% of included, `credits.low`, `balance.low`: core/models)
 * and the customer's custom alerts (./alert.ts). Pure: what a threshold is, and whether it is armed
 * in a wallet. Whether a write fires it is decided by ./crossing.ts, and made exact by the write's
 * conditions (core/db/alarm-update.ts).
 *
 * A threshold is *armed* until it fires; firing stores `firedAs` in its marker, which re-arms it by
 * itself when what `firedAs` names changes: the period (every threshold but ONCE alerts) and, for
 * the levels funds raise (credits, balance), the funds the threshold is a share of, so a purchase or
 * a top-up re-arms them.
 */
import type { Amount } from "../money";
import type { Wallet } from "../wallet";

/** The wallet counter a threshold watches: per-feature usage, the period's spend, credits or balance left. */
export type Level = { kind: "usage"; feature: string } | { kind: "spent" } | { kind: "credits" } | { kind: "balance" };

/** Where a threshold records that it fired: a built-in's own marker, or a custom alert's. */
export type Marker = { kind: "builtIn"; name: string } | { kind: "alert"; id: string };

export type Threshold = {
  marker: Marker;
  level: Level;
  /** UP fires when the level reaches `at` (>=); DOWN when it falls to `at` or below. */
  direction: "UP" | "DOWN";
  at: Amount;
  /** What the marker holds once fired, for the current arming (see above). */
  firedAs: string;
  /** A write that reaches several thresholds of one family fires one event, for the highest rank. */
  family: string;
  rank: number;
  /** What the event says (core/alerts/announce.ts). */
  announce: Announce;
};

export type Announce =
  | { type: "usage.threshold_reached"; feature: string; percent: number; included: Amount }
  | { type: "credits.low" | "balance.low"; granted: Amount }
  | { type: "alert.triggered"; alertId: string; triggers: number };

/** What a threshold's marker holds in the wallet: built-in markers by name, custom alerts on the alert. */
export const markerIn = (w: Wallet, m: Marker): string | undefined =>
  m.kind === "builtIn" ? w.alarms?.[m.name] : w.alerts?.[m.id]?.fired;

/**
 * A built-in marker holds the arming it fired at and, from the threshold's second firing in a
 * period on, `@<n>` after it: the n-th firing, which its event's id carries. An arming can come back
 * within a period (voiding a top-up takes `balance.low`'s share back to one that already fired), and
 * an event id must never be published for two firings. Custom alerts count firings on the alert.
 */
const ORDINAL = "@";

export const isArmed = (w: Wallet, t: Threshold): boolean => markerIn(w, t.marker)?.split(ORDINAL)[0] !== t.firedAs;

/** Which firing of `t` in its period a firing on `w` would be: 1 for the first (custom alerts: always 1). */
export function firingOrdinal(w: Wallet, t: Threshold): number {
  const marker = markerIn(w, t.marker);
  if (t.marker.kind !== "builtIn" || marker === undefined) return 1;
  const [arming = "", n] = marker.split(ORDINAL);
  return periodOf(arming) === periodOf(t.firedAs) ? Number(n ?? 1) + 1 : 1;
}

/** What a firing of `t` on `w` stores in its marker: its arming, and its ordinal from the second on. */
export function markerOnFiring(w: Wallet, t: Threshold): string {
  const n = firingOrdinal(w, t);
  return n === 1 ? t.firedAs : `${t.firedAs}${ORDINAL}${n}`;
}

/** A share of `basis` in basis points, rounded toward zero (10% of 1,005 credits: 100.5). */
export const shareOf = (basis: Amount, bps: bigint): Amount => (basis * bps) / 10_000n;

/** `at` for "reaches `percent` of `included`": the least usage that is at least that share (exact). */
export const percentOf = (included: Amount, percent: bigint): Amount => (included * percent + 99n) / 100n;

/** What a threshold that the period (and for funds levels, the funds) re-arms stores when fired. */
export const periodArming = (periodStart: string, granted?: Amount): string =>
  granted === undefined ? periodStart : `${periodStart}#${granted}`;

const periodOf = (arming: string): string => arming.split("#")[0]!;
