/**
 * Report usage from a backend: one event, then a batch. Against `npm start`'s demo data (customer
 * "demo" on the BALANCE plan "usage-balance": api_calls at $0.0043 each).
 *
 *   npm start                          # in another terminal
 *   npm run example examples/track.ts
 */
import { createBillingClient } from "@ai-billing/client";
import { connection } from "./connection";

const billing = createBillingClient(connection());

// One billable action. Pass your own idempotency key (a request or job id) when you have one:
// sending it again, by a retry of yours, records nothing more.
const one = await billing.usage.track({
  customerId: "demo",
  feature: "api_calls",
  idempotencyKey: `example-${Date.now()}`,
});
console.log(`tracked: cost ${one.event.cost}, balance left ${one.entitlement.balance}, replayed ${one.replayed}`);

// 250 events: three requests of at most 100, results in the order given, one per event.
const results = await billing.usage.trackBatch(
  Array.from({ length: 250 }, () => ({ customerId: "demo", feature: "api_calls" })),
);
const refused = results.filter((r) => !r.ok);
console.log(`batch: ${results.length - refused.length} recorded, ${refused.length} refused`);
