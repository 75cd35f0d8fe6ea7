/**
 * Ask before expensive work, then record it. A denial is an answer (allowed: false and a reason),
 * not an error; a refused track is a BillingError with a stable code.
 *
 *   npm run example examples/check.ts
 */
import { createBillingClient, isBillingError } from "@ai-billing/client";
import { connection } from "./connection";

const billing = createBillingClient(connection());

const entitlement = await billing.usage.check({ customerId: "demo", feature: "api_calls", amount: 10 });
if (!entitlement.allowed) {
  console.log(`denied: ${entitlement.reason}`);
} else {
  console.log(`allowed: balance ${entitlement.balance}`);
  await billing.usage.track({ customerId: "demo", feature: "api_calls", value: 10 });
}

// The demo customer's plan has no image_generation: tracking it is refused, and never retried.
try {
  await billing.usage.track({ customerId: "demo", feature: "image_generation" });
} catch (error) {
  if (!isBillingError(error)) throw error;
  console.log(`refused: ${error.code} (request ${error.requestId})`);
}
