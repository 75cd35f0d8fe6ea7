/**
 * Retrying a write that lost a race (a failed condition, a transaction conflict): a bounded number
 * of attempts, with a jittered, growing wait before each retry so writers that collided spread out
 * instead of colliding again. Randomness and waiting are injected, so tests can make them exact.
 */
export type RetryOptions = {
  /** How many attempts in all, the first included. */
  attempts: number;
  /** The error when every attempt lost (what the caller should do next, e.g. a CONFLICT to retry). */
  exhausted: () => Error;
  /** Where in its window a wait falls, in [0, 1); Math.random by default. */
  random?: () => number;
  /** Waits; setTimeout by default. */
  sleep?: (ms: number) => Promise<void>;
};

/** Attempts of a write racing other writes of the same customer. */
export const CONFLICT_ATTEMPTS = 8;

/** The window of the wait before attempt `n` (counted from 0): 5 x 2^n ms, at most 200 ms. */
export const backoffWindow = (attempt: number): number => (attempt === 0 ? 0 : Math.min(200, 5 * 2 ** attempt));

const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts attempts and waits before each retry, for loops that decide themselves which failures count. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly options: RetryOptions) {}

  /** Before another attempt: throws `exhausted` when none is left, else waits (or not, when `wait` is false). */
  async next(wait = true): Promise<void> {
    this.attempt++;
    if (this.attempt >= this.options.attempts) throw this.options.exhausted();
    const { random = Math.random, sleep = timeout } = this.options;
    if (wait) await sleep(random() * backoffWindow(this.attempt));
  }
}

/** What a step answers to be tried again: after a wait (it met contention), or at once (nothing to wait for). */
export const RETRY = Symbol("retry");
export const RETRY_AT_ONCE = Symbol("retry at once");
export type Retry = typeof RETRY | typeof RETRY_AT_ONCE;

/** Runs `step` until it answers something other than a Retry, `options.attempts` times at most. */
export async function withRetries<T>(options: RetryOptions, step: () => Promise<T | Retry>): Promise<T> {
  const backoff = new Backoff(options);
  for (;;) {
    const result = await step();
    if (result !== RETRY && result !== RETRY_AT_ONCE) return result as T;
    await backoff.next(result === RETRY);
  }
}
