/**
 * Which rollup partitions a report over [from, to) reads (pure): whole UTC months the range
 * covers from their month cells, the days of partial months from their day cells; the DAY
 * grouping from each month's day cells, limited to the range's days. So a calendar month grouped
 * by customer is one partition of one row per customer, whatever the number of events.
 */
import { DomainError } from "../errors";
import { dayBucket, monthBucket, type AiCostGroup } from "./rollup";

/** The longest range a report covers. */
export const MAX_REPORT_DAYS = 400;
const DAY_MS = 86_400_000;

export type CellRead = { group: AiCostGroup; bucket: string; days?: { first: string; last: string } };

export function reportReads(from: Date, to: Date, groupBy: AiCostGroup): CellRead[] {
  for (const [name, date] of [
    ["from", from],
    ["to", to],
  ] as const)
    if (date.getTime() % DAY_MS !== 0)
      throw new DomainError("BAD_USER_INPUT", `${name} must be a UTC day boundary (00:00:00Z): rollups are by day`);
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days <= 0) throw new DomainError("BAD_USER_INPUT", "to must be after from");
  if (days > MAX_REPORT_DAYS)
    throw new DomainError("BAD_USER_INPUT", `the range must be at most ${MAX_REPORT_DAYS} days`);

  const reads: CellRead[] = [];
  for (let start = monthStart(from); start < to; start = nextMonth(start)) {
    const end = nextMonth(start);
    const first = start < from ? from : start;
    const last = new Date(Math.min(end.getTime(), to.getTime()) - DAY_MS);
    const month = start.toISOString().slice(0, 7);
    if (groupBy === "DAY") {
      reads.push({ group: "DAY", bucket: monthBucket(month), days: { first: isoDay(first), last: isoDay(last) } });
    } else if (first.getTime() === start.getTime() && last.getTime() === end.getTime() - DAY_MS) {
      reads.push({ group: groupBy, bucket: monthBucket(month) });
    } else {
      for (let day = first; day <= last; day = new Date(day.getTime() + DAY_MS))
        reads.push({ group: groupBy, bucket: dayBucket(isoDay(day)) });
    }
  }
  return reads;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const monthStart = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
const nextMonth = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
