/**
 * The one source of time. Production uses real time; test mode (the local default) uses a clock
 * stored in the table that only `advanceClock` moves, forward, like a payment provider's test
 * clock. Every time-dependent path (tracking, checks, closes, the sweeper) asks this clock.
 */
import { DomainError } from "./errors";

export type ClockMode = "test" | "real";

export interface Clock {
  readonly mode: ClockMode;
  now(): Promise<Date>;
  /** Moves a test clock forward; FORBIDDEN on a real clock, BAD_USER_INPUT backwards. */
  advance(to: Date): Promise<Date>;
}

export const realClock: Clock = {
  mode: "real",
  now: async () => new Date(),
  advance: async () => {
    throw new DomainError("FORBIDDEN", "advanceClock is only available in test mode");
  },
};
