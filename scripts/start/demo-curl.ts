/** The copy-pasteable curl `npm start` prints: one tracked API call for the demo customer. */
import { DEMO_CUSTOMER } from "../seed";

/** The GraphQL request the printed curl sends (and docs/running-locally.md shows). */
export const DEMO_TRACK_REQUEST = {
  query:
    "mutation Track($input: TrackUsageInput!) { trackUsage(input: $input) { replayed event { feature value cost } entitlement { allowed balance } } }",
  variables: { input: { customerId: DEMO_CUSTOMER, feature: "api_calls", value: 1, idempotencyKey: "demo-call-1" } },
};

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export function demoCurl(url: string, apiKey: string): string {
  return [
    `curl -s ${url}`,
    `  -H ${shellQuote(`Authorization: Bearer ${apiKey}`)}`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(JSON.stringify(DEMO_TRACK_REQUEST))}`,
  ].join(" \\\n");
}
