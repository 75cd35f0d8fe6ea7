/**
 * The one place handlers learn about their infrastructure. On Lambda, SST links resources and
 * they are read through `Resource.<Name>`; under `npm start` and in tests the same values come
 * from plain environment variables, which win when set:
 *
 * | setting            | env                       | SST resource          | default        |
 * |--------------------|---------------------------|-----------------------|----------------|
 * | table name         | BILLING_TABLE             | Resource.Table.name   | (required)     |
 * | DynamoDB endpoint  | DYNAMODB_ENDPOINT         | -                     | AWS            |
 * | bootstrap API key  | BILLING_API_KEY           | Resource.ApiKey.value | (required*)    |
 * | token signing key  | BILLING_SIGNING_SECRET    | Resource.SigningSecret.value | derived** |
 * | CORS origins       | BILLING_CORS_ORIGINS      | -                     | none           |
 * | event bus name     | BILLING_BUS               | Resource.Bus.name     | none: recorded |
 * | clock mode         | BILLING_CLOCK (test|real) | -                     | real on Lambda |
 * | catalog URL        | BILLING_CATALOG_URL       | -                     | models.dev     |
 *
 * (*) Only the GraphQL handler needs the API key, so it is checked when `apiKey` is first read:
 * the scheduled functions load the same config without an ApiKey link (least privilege).
 * (**) The secret customer tokens are signed with. Without one, it is derived from the API key
 * with HMAC-SHA256 (core/auth/customer-tokens.ts), which suits local use; deployed stages link
 * their own `SigningSecret`, so rotating the API key and invalidating all tokens stay separate acts.
 * CORS origins are comma-separated (`https://app.example.com,https://admin.example.com`).
 */
import { Resource } from "sst";
import { deriveSigningSecret } from "../core/auth/customer-tokens";

export type ClockSetting = "test" | "real";

export type Config = {
  table: string;
  endpoint?: string;
  apiKey: string;
  signingSecret: string;
  corsOrigins: string[];
  busName?: string;
  clock: ClockSetting;
  catalogUrl: string;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const table = env.BILLING_TABLE ?? linked(() => (Resource as unknown as Linked).Table.name);
  const apiKey = env.BILLING_API_KEY ?? linked(() => (Resource as unknown as Linked).ApiKey.value);
  const signingSecret = env.BILLING_SIGNING_SECRET || linked(() => (Resource as unknown as Linked).SigningSecret.value);
  if (!table) throw new Error("configuration: BILLING_TABLE (or a linked Table) is required");
  const clock = env.BILLING_CLOCK ?? "real";
  if (clock !== "test" && clock !== "real") throw new Error("configuration: BILLING_CLOCK must be test or real");
  return {
    table,
    endpoint: env.DYNAMODB_ENDPOINT || undefined,
    get apiKey() {
      if (!apiKey) throw new Error("configuration: BILLING_API_KEY (or a linked ApiKey secret) is required");
      return apiKey;
    },
    get signingSecret() {
      return signingSecret ?? deriveSigningSecret(this.apiKey);
    },
    corsOrigins: (env.BILLING_CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    busName: env.BILLING_BUS ?? linked(() => (Resource as unknown as Linked).Bus.name),
    clock,
    catalogUrl: env.BILLING_CATALOG_URL ?? "https://models.dev/api.json",
  };
}

type Linked = {
  Table: { name: string };
  ApiKey: { value: string };
  SigningSecret: { value: string };
  Bus: { name: string };
};

/** A resource that is not linked (e.g. outside SST) reads as absent instead of throwing. */
function linked(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
