/**
 * Before each test file (a setup file of both projects): asks the run's DynamoDB Local pool
 * (test/support/dynamo-pool.ts) for this worker's instance; `dynamoEndpoint()` answers it.
 */
import { inject } from "vitest";
import { leaseEndpoint } from "./dynamo-endpoint";

const worker = process.env.VITEST_POOL_ID ?? "1";
const response = await fetch(`${inject("dynamoPool")}/lease?worker=${encodeURIComponent(worker)}`);
if (!response.ok) throw new Error(`the DynamoDB Local pool could not lease an instance: ${await response.text()}`);
leaseEndpoint(await response.text());
