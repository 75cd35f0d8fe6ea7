/**
 * The thresholds part of a usage write's wallet update (core/alerts/crossing.ts): the checks that
 * make the crossing decision exact, the markers a firing stores, and `alarmsRev` unchanged. Built-in
 * markers are top-level attributes (`alarm:<name>`), so nothing needs creating first; a custom
 * alert's marker is on the alert, in the wallet's `alerts` map. Read back by alarmsOf.
 */
import type { AlarmPlan } from "../alerts/crossing";
import type { UsageAlert } from "../alerts/alert";
import type { Level, Marker } from "../alerts/threshold";
import { big, int, type Item } from "./items";
import type { UpdateExpression } from "./update-expression";

const ALARM_PREFIX = "alarm:";

/** Adds the plan's checks, markers and revision to a usage update; `usage` names a feature's usage path. */
export function addAlarms(u: UpdateExpression, plan: AlarmPlan, at: string, usage: (feature: string) => string) {
  const rev = u.name("#alarmsRev", "alarmsRev");
  u.when(plan.rev === 0 ? `attribute_not_exists(${rev})` : `${rev} = ${u.value(":alarmsRev", plan.rev)}`);
  for (const [i, { threshold: t, fires, bound, stores }] of plan.checks.entries()) {
    const marker = markerPath(u, t.marker, i);
    // What firing stores (the arming, and from a second firing in the period its ordinal): with
    // `alarmsRev` and the period unchanged since the view, the marker is either as the view saw it
    // or this value, set by a write that fired it since (core/alerts/threshold.ts).
    const firedAs = u.value(`:m${i}`, stores);
    const level = levelPath(t.level, usage);
    const b = u.value(`:b${i}`, bound);
    // An absent usage counter is 0 (the write creates it); the other levels always exist.
    const compare = (op: string) =>
      t.level.kind === "usage"
        ? `attribute_not_exists(${level}) AND ${u.value(":zero", 0n)} ${op} ${b} OR ${level} ${op} ${b}`
        : `${level} ${op} ${b}`;
    if (!fires) {
      u.when(`(${marker} = ${firedAs} OR ${compare(t.direction === "UP" ? "<" : ">")})`);
      continue;
    }
    u.when(`(attribute_not_exists(${marker}) OR ${marker} <> ${firedAs})`);
    u.when(`(${compare(t.direction === "UP" ? ">=" : "<=")})`);
    u.set(`${marker} = ${firedAs}`);
    if (t.announce.type === "alert.triggered") {
      const alert = alertPath(u, t.announce.alertId, i);
      u.set(`${alert}.${u.name("#lastTriggeredAt", "lastTriggeredAt")} = ${u.value(":firedAt", at)}`);
      u.set(`${alert}.${u.name("#triggers", "triggers")} = ${u.value(`:n${i}`, t.announce.triggers)}`);
    }
  }
}

const alertPath = (u: UpdateExpression, id: string, i: number) =>
  `${u.name("#alerts", "alerts")}.${u.nameOf(id) ?? u.name(`#a${i}`, id)}`;

function markerPath(u: UpdateExpression, m: Marker, i: number): string {
  if (m.kind === "alert") return `${alertPath(u, m.id, i)}.${u.name("#fired", "fired")}`;
  return u.nameOf(ALARM_PREFIX + m.name) ?? u.name(`#m${i}`, ALARM_PREFIX + m.name);
}

function levelPath(level: Level, usage: (feature: string) => string): string {
  return level.kind === "usage" ? usage(level.feature) : level.kind;
}

/** The wallet's thresholds state from its item: built-in markers, custom alerts, the revision. */
export function alarmsOf(item: Item): {
  alarms?: Record<string, string>;
  alerts?: Record<string, UsageAlert>;
  alarmsRev?: number;
} {
  const alarms: Record<string, string> = {};
  // for-in, not Object.entries: a wallet has some 30 attributes and every check reads one (no pairs allocated).
  for (const name in item)
    if (name.startsWith(ALARM_PREFIX) && Object.hasOwn(item, name))
      alarms[name.slice(ALARM_PREFIX.length)] = item[name] as string;
  const alerts: Record<string, UsageAlert> = {};
  for (const [id, a] of Object.entries((item.alerts ?? {}) as Record<string, Item>)) alerts[id] = toAlert(a);
  return {
    ...(Object.keys(alarms).length ? { alarms } : {}),
    ...(item.alerts ? { alerts } : {}),
    ...(item.alarmsRev !== undefined ? { alarmsRev: int(item.alarmsRev) } : {}),
  };
}

export function toAlert(a: Item): UsageAlert {
  return {
    id: a.id as string,
    customerId: a.customerId as string,
    ...(a.feature ? { feature: a.feature as string } : {}),
    metric: a.metric as UsageAlert["metric"],
    threshold: big(a.threshold),
    recurrence: a.recurrence as UsageAlert["recurrence"],
    createdAt: a.createdAt as string,
    archived: Boolean(a.archived),
    ...(a.archivedAt ? { archivedAt: a.archivedAt as string } : {}),
    ...(a.lastTriggeredAt ? { lastTriggeredAt: a.lastTriggeredAt as string } : {}),
    triggers: int(a.triggers),
    ...(a.fired ? { fired: a.fired as string } : {}),
  };
}
