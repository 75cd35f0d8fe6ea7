import { describe, expect, it } from "vitest";
import { addIntervals, periodAt } from "../../core/periods/arithmetic";

const iso = (d: Date) => d.toISOString().slice(0, 10);

describe("anniversary periods in UTC", () => {
  it("keeps a Jan 31 anchor across a year, clamped to each month's length", () => {
    const anchor = new Date("2026-01-31T10:00:00Z");
    const ends = Array.from({ length: 12 }, (_, i) => iso(addIntervals(anchor, "MONTH", i + 1)));
    expect(ends).toEqual([
      "2026-02-28",
      "2026-03-31",
      "2026-04-30",
      "2026-05-31",
      "2026-06-30",
      "2026-07-31",
      "2026-08-31",
      "2026-09-30",
      "2026-10-31",
      "2026-11-30",
      "2026-12-31",
      "2027-01-31",
    ]);
    expect(addIntervals(anchor, "MONTH", 1).toISOString()).toBe("2026-02-28T10:00:00.000Z");
  });

  it("QUARTER keeps a Nov 30 anchor, clamped (Feb 28, May 30, Aug 30, Nov 30); WEEK is 7 days of UTC", () => {
    const anchor = new Date("2026-11-30T09:00:00Z");
    expect([1, 2, 3, 4].map((n) => iso(addIntervals(anchor, "QUARTER", n)))).toEqual([
      "2027-02-28",
      "2027-05-30",
      "2027-08-30",
      "2027-11-30",
    ]);
    expect(addIntervals(anchor, "QUARTER", 4).toISOString()).toBe(addIntervals(anchor, "YEAR", 1).toISOString());
    expect([1, 2, 5].map((n) => addIntervals(anchor, "WEEK", n).toISOString())).toEqual([
      "2026-12-07T09:00:00.000Z",
      "2026-12-14T09:00:00.000Z",
      "2027-01-04T09:00:00.000Z",
    ]);
  });

  it("renews Jan 31 into Feb 29 in a leap year, then Mar 31", () => {
    const anchor = new Date("2028-01-31T00:00:00Z");
    expect([1, 2].map((n) => iso(addIntervals(anchor, "MONTH", n)))).toEqual(["2028-02-29", "2028-03-31"]);
  });

  it("renews a Feb 29 yearly anchor on Feb 28, and on Feb 29 again in the next leap year", () => {
    const anchor = new Date("2028-02-29T00:00:00Z");
    expect([1, 2, 3, 4].map((n) => iso(addIntervals(anchor, "YEAR", n)))).toEqual([
      "2029-02-28",
      "2030-02-28",
      "2031-02-28",
      "2032-02-29",
    ]);
  });

  it("counts DAY periods of exactly 24 hours over 30 days", () => {
    const anchor = new Date("2026-03-28T12:00:00Z");
    const p = periodAt(anchor, "DAY", 29);
    expect(p.start.toISOString()).toBe("2026-04-26T12:00:00.000Z");
    expect(p.end.toISOString()).toBe("2026-04-27T12:00:00.000Z");
  });
});
