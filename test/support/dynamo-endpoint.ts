/** The DynamoDB Local of this test file's worker (test/support/global-setup.ts starts one per worker). */
import { inject } from "vitest";

export function dynamoEndpoint(): string {
  const endpoints = inject("dynamoEndpoints");
  const worker = Number(process.env.VITEST_POOL_ID ?? "1");
  return endpoints[(worker - 1) % endpoints.length]!;
}
