/**
 * A frontend's view: the backend mints a short-lived customer token, the browser reads with it.
 * The read-only client has no write methods (they are absent from its type).
 *
 *   npm run example examples/browser.ts
 */
import { createBillingClient } from "@ai-billing/client";
import { connection } from "./connection";

// On your backend, with the API key:
const backend = createBillingClient(connection());
const { token, expiresAt } = await backend.customerTokens.create({ customerId: "demo", ttlSeconds: 900 });

// In the browser, with the token only (send it to your frontend; never put it in a URL):
const browser = createBillingClient({ url: connection().url, customerToken: token });
const me = await browser.customers.get("demo");
const plans = await browser.plans.list();
console.log(`token valid until ${expiresAt}; balance ${me?.wallet.balance}; ${plans.length} plans on offer`);
