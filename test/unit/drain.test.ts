import { describe, expect, it } from "vitest";
import { drain } from "../../core/drain";

function queueOf<T>(items: T[], failAfter = Number.POSITIVE_INFINITY): AsyncIterator<T> {
  let taken = 0;
  return {
    async next() {
      if (taken >= failAfter) throw new Error("index unreadable");
      const value = items[taken++];
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    },
  };
}

describe("drain", () => {
  it("works every item once with several workers", async () => {
    const seen: number[] = [];
    const result = await drain(queueOf([1, 2, 3, 4, 5, 6, 7]), { budgetMs: 60_000, concurrency: 3 }, async (n) => {
      seen.push(n);
    });
    expect(result).toEqual({ complete: true });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("stops taking items once the budget is spent and says it is incomplete", async () => {
    const seen: number[] = [];
    const result = await drain(
      queueOf([1, 2, 3]),
      { budgetMs: 1_000, concurrency: 1, started: Date.now() - 1_000 },
      async (n) => {
        seen.push(n);
      },
    );
    expect(result).toEqual({ complete: false });
    expect(seen).toEqual([]);
  });

  it("fails when the queue fails, but only after the item in progress has finished", async () => {
    const finished: number[] = [];
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const draining = drain(queueOf([1, 2], 2), { budgetMs: 60_000, concurrency: 2 }, async (n) => {
      if (n === 1) await slow;
      finished.push(n);
    });
    let settled = false;
    draining.catch(() => {}).finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await expect(draining).rejects.toThrow("index unreadable");
    expect(finished.sort()).toEqual([1, 2]);
  });
});
