/** The DynamoDB Local this test file leased (test/support/dynamo-lease.ts, before the file runs). */
let leased: string | undefined;

export function leaseEndpoint(endpoint: string): void {
  leased = endpoint;
}

export function dynamoEndpoint(): string {
  if (!leased) throw new Error("no DynamoDB Local was leased: test/support/dynamo-lease.ts runs before each file");
  return leased;
}
