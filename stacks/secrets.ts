/**
 * The deployment's two secrets: the bootstrap (ADMIN) API key and the secret customer tokens are
 * signed with. Two ways to keep them, chosen at deploy time with BILLING_SECRETS (docs/deploy.md):
 *
 * - `sst` (default): SST secrets, linked to the GraphQL function. Neither has a placeholder on
 *   purpose, so a stage will not deploy until both are set:
 *     npx sst secret set ApiKey <value> --stage <name>
 *     npx sst secret set SigningSecret <value> --stage <name>
 *   SST writes linked values into the function's bundle, encrypted with a key (SST_KEY) that sits in
 *   the function's environment: whoever may read the function's configuration and code
 *   (lambda:GetFunction) can read the secrets.
 * - `ssm`: SecureString parameters `/<app>/<stage>/ApiKey` and `/<app>/<stage>/SigningSecret` that
 *   the operator creates; the function gets only their names and `ssm:GetParameters` on exactly
 *   those two, and reads them at cold start (functions/config.ts). The values never enter SST's
 *   state, the bundle or the function's configuration.
 *
 * Rotating SigningSecret invalidates every customer token at once, and makes the stored webhook
 * endpoint secrets (sealed with a key derived from it) unreadable until each endpoint's secret is
 * rotated; rotating ApiKey does neither. The webhook delivery function gets SigningSecret only.
 */
export const secretsStore = process.env.BILLING_SECRETS?.trim() || "sst";
if (secretsStore !== "sst" && secretsStore !== "ssm")
  throw new Error(`BILLING_SECRETS must be sst or ssm, got "${secretsStore}"`);

const parameterPath = `/${$app.name}/${$app.stage}`;
const parameters = { apiKey: `${parameterPath}/ApiKey`, signingSecret: `${parameterPath}/SigningSecret` };

type SecretAccess = Required<Pick<sst.aws.FunctionArgs, "link" | "environment" | "permissions">>;

const linked =
  secretsStore === "sst"
    ? { apiKey: new sst.Secret("ApiKey"), signingSecret: new sst.Secret("SigningSecret") }
    : undefined;

/** GetParameters on exactly these parameters, in the function's own region and account. */
const readParameters = (names: string[]) => [
  { actions: ["ssm:GetParameters"], resources: names.map((name) => `arn:aws:ssm:*:*:parameter${name}`) },
];

/** What the GraphQL function needs to read the secrets: links, or parameter names and the right to read them. */
export const graphqlSecrets: SecretAccess = linked
  ? { link: [linked.apiKey, linked.signingSecret], environment: {}, permissions: [] }
  : {
      link: [],
      environment: {
        BILLING_API_KEY_PARAMETER: parameters.apiKey,
        BILLING_SIGNING_SECRET_PARAMETER: parameters.signingSecret,
      },
      permissions: readParameters(Object.values(parameters)),
    };

/** The webhook delivery function: the signing secret only (it opens endpoint secrets), never the API key. */
export const webhookSecrets: SecretAccess = linked
  ? { link: [linked.signingSecret], environment: {}, permissions: [] }
  : {
      link: [],
      environment: { BILLING_SIGNING_SECRET_PARAMETER: parameters.signingSecret },
      permissions: readParameters([parameters.signingSecret]),
    };
