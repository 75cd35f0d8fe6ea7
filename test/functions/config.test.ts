/**
 * The functions' configuration (functions/config.ts): secret rules, and the SSM Parameter Store
 * path for the bootstrap key and the signing secret, read by the real AWS SDK from a local HTTP
 * server that answers SSM's GetParameters as AWS does (JSON 1.1 protocol), and a GraphQL cold
 * start that takes its key from there.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, MIN_SECRET_BYTES, withSecureParameters } from "../../functions/config";
import { createTestDb } from "../support/db";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

const KEY = "config-test-api-key-0123456789abcdef";
const SECRET = "config-test-signing-secret-0123456789ab";
const PARAMETERS: Record<string, string> = {
  "/ai-billing/test/ApiKey": KEY,
  "/ai-billing/test/SigningSecret": SECRET,
};

let ssm: Server;
const requests: { target: string | undefined; body: any }[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  ssm = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      const body = JSON.parse(text);
      requests.push({ target: request.headers["x-amz-target"] as string | undefined, body });
      const names: string[] = body.Names;
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      response.end(
        JSON.stringify({
          Parameters: names
            .filter((name) => name in PARAMETERS)
            .map((name) => ({ Name: name, Type: "SecureString", Value: PARAMETERS[name], Version: 1 })),
          InvalidParameters: names.filter((name) => !(name in PARAMETERS)),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => ssm.listen(0, "127.0.0.1", resolve));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "eu-west-1",
  });
});
afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => ssm.close(resolve));
});

describe("secrets in the configuration", () => {
  const base = { BILLING_TABLE: "t" };

  it("treats a blank key as missing and refuses one shorter than 32 bytes", () => {
    for (const blank of ["", "   "]) {
      expect(() => loadConfig({ ...base, BILLING_API_KEY: blank }).apiKey).toThrow(/BILLING_API_KEY.*required/);
    }
    expect(() => loadConfig({ ...base, BILLING_API_KEY: "x".repeat(MIN_SECRET_BYTES - 1) }).apiKey).toThrow(
      /BILLING_API_KEY.*at least 32 bytes/,
    );
    expect(loadConfig({ ...base, BILLING_API_KEY: "x".repeat(MIN_SECRET_BYTES) }).apiKey).toBe("x".repeat(32));
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(loadConfig({ ...base, BILLING_API_KEY: "€".repeat(11) }).apiKey).toBe("€".repeat(11));
  });

  it("refuses a short signing secret at once, and derives one only off Lambda", () => {
    expect(() => loadConfig({ ...base, BILLING_API_KEY: KEY, BILLING_SIGNING_SECRET: "short" })).toThrow(
      /BILLING_SIGNING_SECRET.*at least 32 bytes/,
    );
    // Off Lambda, none means the API derives one from the key (createBillingYoga).
    expect(loadConfig({ ...base, BILLING_API_KEY: KEY, BILLING_SIGNING_SECRET: "" }).signingSecret).toBeUndefined();
    const lambda = loadConfig({ ...base, BILLING_API_KEY: KEY, AWS_LAMBDA_FUNCTION_NAME: "ai-billing-Graphql" });
    expect(() => lambda.signingSecret).toThrow(/BILLING_SIGNING_SECRET.*required on Lambda/);
    expect(loadConfig({ ...base, BILLING_SIGNING_SECRET: SECRET, AWS_LAMBDA_FUNCTION_NAME: "f" }).signingSecret).toBe(
      SECRET,
    );
  });

  it("reads both secrets from SSM SecureString parameters in one decrypted GetParameters call", async () => {
    requests.length = 0;
    const env = await withSecureParameters({
      ...base,
      BILLING_API_KEY_PARAMETER: "/ai-billing/test/ApiKey",
      BILLING_SIGNING_SECRET_PARAMETER: "/ai-billing/test/SigningSecret",
    });
    expect(loadConfig(env)).toMatchObject({ apiKey: KEY, signingSecret: SECRET });
    expect(requests).toEqual([
      {
        target: "AmazonSSM.GetParameters",
        body: { Names: ["/ai-billing/test/ApiKey", "/ai-billing/test/SigningSecret"], WithDecryption: true },
      },
    ]);
    // Nothing to read: no call at all.
    requests.length = 0;
    expect(await withSecureParameters(base)).toEqual(base);
    expect(requests).toEqual([]);
  });

  it("names a parameter that does not exist", async () => {
    await expect(withSecureParameters({ ...base, BILLING_API_KEY_PARAMETER: "/ai-billing/test/Nope" })).rejects.toThrow(
      "configuration: SSM parameter(s) not found: /ai-billing/test/Nope",
    );
  });
});

describe("GraphQL cold start", () => {
  const lambdaEnv = async () => ({
    BILLING_TABLE: (await createTestDb()).table,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    BILLING_CLOCK: "test",
    AWS_LAMBDA_FUNCTION_NAME: "ai-billing-test-Graphql",
  });
  const coldStart = async (env: Record<string, string>) => {
    for (const name of ["BILLING_API_KEY", "BILLING_SIGNING_SECRET", "BILLING_BUS"]) delete process.env[name];
    Object.assign(process.env, env);
    vi.resetModules();
    return (await import("../../functions/graphql")).handler;
  };
  const event = (key: string) => ({
    rawPath: "/graphql",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, host: "x.example.com" },
    body: JSON.stringify({ query: "{ features { code } }" }),
    isBase64Encoded: false,
    requestContext: { http: { method: "POST" } },
  });

  it("fails when the signing secret is missing on Lambda", async () => {
    await expect(coldStart({ ...(await lambdaEnv()), BILLING_API_KEY: KEY })).rejects.toThrow(
      /BILLING_SIGNING_SECRET.*required on Lambda/,
    );
  });

  it("serves with the key and secret read from SSM", async () => {
    const handler = await coldStart({
      ...(await lambdaEnv()),
      BILLING_API_KEY_PARAMETER: "/ai-billing/test/ApiKey",
      BILLING_SIGNING_SECRET_PARAMETER: "/ai-billing/test/SigningSecret",
    });
    const ok = await handler(event(KEY));
    expect([ok.statusCode, JSON.parse(ok.body)]).toEqual([200, { data: { features: [] } }]);
    expect((await handler(event("x".repeat(40)))).statusCode).toBe(401);
  });
});
