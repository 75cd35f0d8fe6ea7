import { describe, expect, it } from "vitest";
import { Backoff, backoffWindow, RETRY, RETRY_AT_ONCE, withRetries } from "../../core/retry";

/** Retry options whose waits are recorded instead of slept, at a fixed point of each window. */
function recorded(attempts: number, random = 0.5) {
  const waits: number[] = [];
  const options = {
    attempts,
    exhausted: () => new Error("gave up"),
    random: () => random,
    sleep: async (ms: number) => void waits.push(ms),
  };
  return { options, waits };
}

describe("retrying a write that lost a race", () => {
  it("waits a growing, capped window before each retry, none before the first attempt", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(backoffWindow)).toEqual([0, 10, 20, 40, 80, 160, 200, 200, 200]);
  });

  it("runs the step until it answers, waiting the injected share of each window between attempts", async () => {
    const { options, waits } = recorded(8, 0.25);
    let calls = 0;
    const result = await withRetries(options, async () => (++calls < 4 ? RETRY : "written"));
    expect(result).toBe("written");
    expect(calls).toBe(4);
    expect(waits).toEqual([2.5, 5, 10]);
  });

  it("retries at once, without waiting, when the step asks for it (a stale view, not contention)", async () => {
    const { options, waits } = recorded(8);
    let calls = 0;
    await withRetries(options, async () => (++calls === 1 ? RETRY_AT_ONCE : calls === 2 ? RETRY : "done"));
    expect(waits).toEqual([10]);
  });

  it("throws the exhausted error after the last attempt, having made exactly `attempts`", async () => {
    const { options, waits } = recorded(3);
    let calls = 0;
    await expect(
      withRetries(options, async () => {
        calls++;
        return RETRY;
      }),
    ).rejects.toThrow("gave up");
    expect(calls).toBe(3);
    expect(waits).toEqual([5, 10]);
  });

  it("passes a step's own error through at once, and an answer of undefined is an answer", async () => {
    const { options } = recorded(8);
    await expect(
      withRetries(options, async () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await withRetries(options, async () => undefined)).toBeUndefined();
  });

  it("counts, for a loop that decides itself which failures count, and stops at the budget", async () => {
    const { options, waits } = recorded(3, 0);
    const backoff = new Backoff(options);
    await backoff.next();
    await backoff.next(false);
    await expect(backoff.next()).rejects.toThrow("gave up");
    expect(waits).toEqual([0]);
  });
});
