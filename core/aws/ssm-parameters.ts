/**
 * Reads SecureString parameters from SSM Parameter Store, decrypted, in one GetParameters call:
 * the deployment's bootstrap API key and token signing secret when a stage keeps them there
 * instead of in SST secrets (docs/deploy.md, "Secrets"). Read once per Lambda container, at cold
 * start. A missing parameter is an error naming it, never an empty value. The SSM client is loaded
 * only when a stage names parameters (with the Lambda bundle's code splitting, a chunk of its
 * own): a stage that keeps its secrets in SST secrets never loads it.
 */

export type SecureParameterReader = (names: string[]) => Promise<Record<string, string>>;

/** The SDK's own settings apply (region, credentials, and `AWS_ENDPOINT_URL_SSM`, which tests use). */
export function ssmParameterReader(): SecureParameterReader {
  return async (names) => {
    if (names.length === 0) return {};
    const { GetParametersCommand, SSMClient } = await import("@aws-sdk/client-ssm");
    const client = new SSMClient({ region: process.env.AWS_REGION ?? "us-east-1", maxAttempts: 4 });
    try {
      const out = await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
      if (out.InvalidParameters?.length)
        throw new Error(`configuration: SSM parameter(s) not found: ${out.InvalidParameters.join(", ")}`);
      const values: Record<string, string> = {};
      for (const parameter of out.Parameters ?? []) {
        if (parameter.Name && parameter.Value !== undefined) values[parameter.Name] = parameter.Value;
      }
      const missing = names.filter((name) => values[name] === undefined);
      if (missing.length) throw new Error(`configuration: SSM parameter(s) not found: ${missing.join(", ")}`);
      return values;
    } finally {
      client.destroy();
    }
  };
}
