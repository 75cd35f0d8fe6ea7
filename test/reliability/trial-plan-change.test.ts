/**
 * A trial with a PERIOD_END plan change scheduled in it, driven through core and the reference
 * model with no faults (found by the simulation on a changed op stream, cus-11). The change applies
 * when the trial ends (docs/billing-periods.md, "Free trials"): the first paid period is on the new
 * plan. The disagreement was the server's: during the trial an adjustUsage increase was priced
 * without the trial's guards, so +115 api_calls on balance_std (23.00 against a 20.00 allowance)
 * was accepted where a track of the same units is refused (INSUFFICIENT_BALANCE, as the model says).
 */
import { describe, expect, it } from "vitest";
import { runWorkload, type Op } from "./workload";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

const DAY = 86_400_000;

// cus-11 starts on balance_block (CUSTOMERS[n] starts on START_PLANS[n % 6]): cancelled first.
const OPS: Op[] = [
  { id: 1, kind: "cancel", customerId: "cus-11", timing: "IMMEDIATE", prorate: false },
  { id: 2, kind: "subscribe", customerId: "cus-11", plan: "balance_std", trialDays: 17 },
  { id: 3, kind: "change", customerId: "cus-11", plan: "balance_block", timing: "PERIOD_END" },
  { id: 4, kind: "advance", ms: 10 * DAY, sweep: true },
  // In the trial, on balance_std: 115 api_calls at 0.2 cost 23.00, beyond the 20.00 the trial granted.
  { id: 5, kind: "adjust", customerId: "cus-11", feature: "api_calls", delta: "115", key: "adj-1", reason: "fix" },
  { id: 6, kind: "adjust", customerId: "cus-11", feature: "api_calls", delta: "100", key: "adj-2", reason: "fix" },
  { id: 7, kind: "advance", ms: 8 * DAY, sweep: true },
  // After it, on balance_block: a 10.00 balance; 115 api_calls at 0.0243 fit, 115 images at 0.25 do not.
  { id: 8, kind: "adjust", customerId: "cus-11", feature: "api_calls", delta: "115", key: "adj-3", reason: "fix" },
  { id: 9, kind: "adjust", customerId: "cus-11", feature: "images", delta: "115", key: "adj-4", reason: "fix" },
  // Already on balance_block: an IMMEDIATE change to it is refused, one back to balance_std is not.
  { id: 10, kind: "change", customerId: "cus-11", plan: "balance_block", timing: "IMMEDIATE" },
  { id: 11, kind: "change", customerId: "cus-11", plan: "balance_std", timing: "IMMEDIATE" },
  { id: 12, kind: "advance", ms: 35 * DAY, sweep: true },
];

describe("a PERIOD_END plan change scheduled during a trial", () => {
  it.each([true, false])(
    "the trial refuses overage, the change applies at its end: server and model agree (sweep: %s)",
    async (sweep) => {
      const ops = OPS.map((op) => (op.kind === "advance" ? { ...op, sweep } : op));
      const result = await runWorkload({ seed: 7, ops, faultRate: 0, endpoint: dynamoEndpoint() });
      const failing = result.violations[0];
      // The message names the operation and both answers.
      expect(failing, failing?.message).toBeUndefined();
      // The trial ended in a paid period; #6 (exactly the allowance) and #8 were the corrections accepted.
      expect(result.money.trialsConverted).toBe(1);
      expect(result.pricing.adjustments).toBe(2);
    },
    120_000,
  );
});
