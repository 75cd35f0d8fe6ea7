/**
 * The closed set of error codes a client can meet: a client branches on the code, so a code is
 * never renamed or added silently (docs/api.md lists them). Core code throws `DomainError`; one
 * place (schema/errors.ts) turns it into a GraphQL error with `extensions.code`. Anything else
 * that is thrown is unexpected and gets masked.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  INSUFFICIENT_CREDITS: "INSUFFICIENT_CREDITS",
  INSUFFICIENT_BALANCE: "INSUFFICIENT_BALANCE",
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  PERIOD_CLOSED: "PERIOD_CLOSED",
  NO_SUBSCRIPTION: "NO_SUBSCRIPTION",
  FEATURE_NOT_IN_PLAN: "FEATURE_NOT_IN_PLAN",
  LIMIT_REACHED: "LIMIT_REACHED",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  /** Settling a reservation that was released: its hold is gone and nothing is recorded. */
  RESERVATION_RELEASED: "RESERVATION_RELEASED",
  /** A bounded retry on write contention gave up; safe to retry with the same idempotency key. */
  CONFLICT: "CONFLICT",
  /** Too many requests from one caller (HTTP 429, with Retry-After); answered at the edge. */
  RATE_LIMITED: "RATE_LIMITED",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** Recognised by shape as well as class, so a copy of this module loaded twice still matches. */
export const isDomainError = (error: unknown): error is DomainError =>
  error instanceof DomainError ||
  (error instanceof Error &&
    error.name === "DomainError" &&
    typeof (error as DomainError).code === "string" &&
    (error as DomainError).code in ErrorCode);
