/** The errors a usage write refuses with, worded once for trackUsage, the batch and quote. */
import { DomainError } from "../errors";

export const keyReused = (idempotencyKey: string) =>
  new DomainError("IDEMPOTENCY_KEY_REUSED", `idempotency key "${idempotencyKey}" was used for a different request`);

/** `beyondBounds`: refused by core/bounds.ts's ceilings rather than the plan's own rules. */
export function refusalMessage(reason: string, feature: string, beyondBounds = false): string {
  if (beyondBounds) {
    return `"${feature}" would take this period's usage, overage or spend beyond 10^18, the most one billing period holds`;
  }
  switch (reason) {
    case "INSUFFICIENT_CREDITS":
      return `not enough credits for "${feature}"`;
    case "INSUFFICIENT_BALANCE":
      return `not enough balance for "${feature}"`;
    case "LIMIT_REACHED":
      return `the usage limit of "${feature}" would be exceeded`;
    default:
      return reason;
  }
}
