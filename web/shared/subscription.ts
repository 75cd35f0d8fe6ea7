/**
 * Whether a subscription is running: ACTIVE, or TRIALING (a free trial, which the API shows as its
 * own status: docs/billing-periods.md). Both apps offer the same actions for either.
 */
export const isRunning = <S extends { status: string }>(subscription: S | null | undefined): subscription is S =>
  subscription?.status === "ACTIVE" || subscription?.status === "TRIALING";
