/**
 * The one place handlers learn about their infrastructure. On Lambda, the stacks pass the table and
 * bus names as environment variables (not SST links, whose grants are `dynamodb:*` and `events:*`;
 * stacks/permissions.ts grants each function its own actions) and link the two secrets, read
 * through `Resource.<Name>`; under `npm start` and in tests everything comes from plain environment
 * variables, which win when set:
 *
 * | setting            | env                       | SST resource                  | default        |
 * |--------------------|---------------------------|-------------------------------|----------------|
 * | table name         | BILLING_TABLE             | -                             | (required)     |
 * | DynamoDB endpoint  | DYNAMODB_ENDPOINT         | -                             | AWS            |
 * | bootstrap API key  | BILLING_API_KEY           | Resource.ApiKey.value         | (required*)    |
 * | token signing key  | BILLING_SIGNING_SECRET    | Resource.SigningSecret.value  | derived**      |
 * | CORS origins       | BILLING_CORS_ORIGINS      | -                             | none           |
 * | event bus name     | BILLING_BUS               | -                             | none: recorded |
 * | clock mode         | BILLING_CLOCK (test|real) | -                             | real on Lambda |
 * | catalog URL        | BILLING_CATALOG_URL       | -                             | models.dev     |
 * | portal page URL    | BILLING_PORTAL_URL        | -                             | /portal on the request's origin |
 * | late-event grace   | BILLING_GRACE_PERIOD      | -                             | PT0S (at most P3D) |
 *
 * Secrets: an empty (or blank) value counts as missing; a value shorter than 32 bytes is refused
 * (a configuration error, so the function fails at cold start instead of accepting a guessable
 * key). `BILLING_API_KEY_PARAMETER` / `BILLING_SIGNING_SECRET_PARAMETER` name SSM SecureString
 * parameters to read them from instead (`withSecureParameters`, at cold start; docs/deploy.md).
 * (*) Only the GraphQL handler needs the API key, so it is checked when `apiKey` is first read:
 * the scheduled functions load the same config without it (least privilege).
 * (**) The secret customer tokens are signed with. Without one, createBillingYoga derives it from
 * the API key with HMAC-SHA256 (core/auth/customer-tokens.ts), which suits local use only: on Lambda a missing
 * signing secret is a configuration error when it is first read (the GraphQL handler reads it at
 * cold start), so rotating the API key and invalidating all tokens stay separate acts.
 * CORS origins are comma-separated (`https://app.example.com,https://admin.example.com`).
 */
import { Resource } from "sst";
import { ssmParameterReader, type SecureParameterReader } from "../core/aws/ssm-parameters";
import { parseGracePeriod } from "../core/periods/grace-period";

export type ClockSetting = "test" | "real";

export type Config = {
  table: string;
  endpoint?: string;
  apiKey: string;
  /** Undefined off Lambda when none is set: createBillingYoga then derives one from the API key. */
  signingSecret: string | undefined;
  corsOrigins: string[];
  busName?: string;
  clock: ClockSetting;
  catalogUrl: string;
  /** Where portal session links point; undefined: `/portal` on the origin the API was called on. */
  portalUrl?: string;
  /** BILLING_GRACE_PERIOD in milliseconds (core/periods/grace-period.ts): 0 unless set. */
  gracePeriodMs: number;
};

/** The shortest accepted API key or signing secret, in bytes (256 bits). */
export const MIN_SECRET_BYTES = 32;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const table = present(env.BILLING_TABLE);
  const apiKey = present(env.BILLING_API_KEY) ?? linked(() => (Resource as unknown as Linked).ApiKey.value);
  const signingSecret = checkSecret(
    "BILLING_SIGNING_SECRET (or the SigningSecret secret)",
    present(env.BILLING_SIGNING_SECRET) ?? linked(() => (Resource as unknown as Linked).SigningSecret.value),
  );
  const onLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  if (!table) throw new Error("configuration: BILLING_TABLE is required");
  const clock = clockSetting(env.BILLING_CLOCK ?? "real");
  // Refused at cold start: a deployment must not run with a grace period other than the one meant.
  const gracePeriodMs = parseGracePeriod(present(env.BILLING_GRACE_PERIOD) ?? "PT0S");
  return {
    table,
    endpoint: env.DYNAMODB_ENDPOINT || undefined,
    get apiKey() {
      if (!apiKey) throw new Error("configuration: BILLING_API_KEY (or a linked ApiKey secret) is required");
      return checkSecret("BILLING_API_KEY (or the ApiKey secret)", apiKey)!;
    },
    get signingSecret() {
      if (signingSecret) return signingSecret;
      if (onLambda)
        throw new Error(
          "configuration: BILLING_SIGNING_SECRET (or a linked SigningSecret secret) is required on Lambda",
        );
      return undefined;
    },
    corsOrigins: listSetting(env.BILLING_CORS_ORIGINS),
    busName: present(env.BILLING_BUS),
    clock,
    catalogUrl: present(env.BILLING_CATALOG_URL) ?? "https://models.dev/api.json",
    ...(present(env.BILLING_PORTAL_URL) ? { portalUrl: present(env.BILLING_PORTAL_URL) } : {}),
    gracePeriodMs,
  };
}

type Linked = {
  ApiKey: { value: string };
  SigningSecret: { value: string };
};

/**
 * The environment with BILLING_API_KEY / BILLING_SIGNING_SECRET filled from the SSM SecureString
 * parameters that BILLING_API_KEY_PARAMETER / BILLING_SIGNING_SECRET_PARAMETER name (one read);
 * unchanged when neither is set. A parameter wins over a linked secret of the same role.
 */
export async function withSecureParameters(
  env: NodeJS.ProcessEnv = process.env,
  read: SecureParameterReader = ssmParameterReader(),
): Promise<NodeJS.ProcessEnv> {
  const wanted = [
    ["BILLING_API_KEY", present(env.BILLING_API_KEY_PARAMETER)],
    ["BILLING_SIGNING_SECRET", present(env.BILLING_SIGNING_SECRET_PARAMETER)],
  ] as const;
  const names = wanted.flatMap(([, name]) => (name ? [name] : []));
  if (names.length === 0) return env;
  const values = await read(names);
  const out = { ...env };
  for (const [variable, name] of wanted) if (name) out[variable] = values[name];
  return out;
}

/** BILLING_CLOCK: `test` (the stored test clock) or `real`; anything else is a configuration error. */
export function clockSetting(value: string): ClockSetting {
  if (value !== "test" && value !== "real")
    throw new Error(`configuration: BILLING_CLOCK must be test or real, got "${value}"`);
  return value;
}

/** A comma-separated setting (BILLING_CORS_ORIGINS, npm start's BILLING_ALLOWED_HOSTS): trimmed, blanks dropped. */
export function listSetting(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Blank is missing: an unset variable and `BILLING_API_KEY=` mean the same. */
export function present(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

function checkSecret(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && Buffer.byteLength(value, "utf8") < MIN_SECRET_BYTES)
    throw new Error(`configuration: ${name} must be at least ${MIN_SECRET_BYTES} bytes long`);
  return value;
}

/** A resource that is not linked (e.g. outside SST) reads as absent instead of throwing. */
function linked(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
