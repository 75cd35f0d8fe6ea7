/**
 * The API over real HTTP for tests: the same yoga instance as production, on a local port, with
 * its own table and test clock. `gql` posts a GraphQL request with the test key.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deriveSigningSecret } from "../../core/auth/customer-tokens";
import { inProcessWebhooks, type InProcessWebhooks } from "../../core/webhooks/in-process";
import type { Transport } from "../../core/webhooks/transport";
import type { AuditEntry } from "../../schema/plugins/audit";
import { lightFetchAPI } from "../../schema/http/light-fetch";
import { nodeListener } from "../../schema/http/node";
import { createBillingYoga, type YogaOptions } from "../../schema/yoga";
import type { WebAssets } from "../../web/server/assets";
import { withWebApps } from "../../web/server/node";
import { createTestDeps, type TestDeps } from "./db";

export const TEST_KEY = "test-key-0123456789";

export type GqlResponse<T = any> = {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
};

export type TestApi = {
  deps: TestDeps;
  /** The GraphQL endpoint, http://127.0.0.1:<port>/graphql. */
  url: string;
  gql: <T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { key?: string | null },
  ) => Promise<GqlResponse<T>>;
  /** Like gql, but fails the test on any GraphQL error and returns `data`. */
  ok: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  close: () => Promise<void>;
  /** The audit log lines this server wrote (kept here instead of printed). */
  audit: AuditEntry[];
  /** With `webhooks`: published events fan out to webhook endpoints in-process, as under npm start. */
  webhooks?: InProcessWebhooks;
};

export async function startTestApi(
  options: {
    clockStart?: string;
    /** The deployment's grace period for late events, in ms (BILLING_GRACE_PERIOD). */
    gracePeriodMs?: number;
    yoga?: Partial<Omit<YogaOptions, "deps" | "apiKey">>;
    /** Deliver webhooks in-process (the transport: default HTTP under the test clock's rules). */
    webhooks?: { transport?: Transport };
    /** Serve the built web apps too (the console at /console), as npm start does. */
    web?: WebAssets;
  } = {},
): Promise<TestApi> {
  const deps = await createTestDeps(options);
  const audit: AuditEntry[] = [];
  const signingSecret = options.yoga?.signingSecret ?? deriveSigningSecret(TEST_KEY);
  const webhooks = options.webhooks ? inProcessWebhooks(deps, signingSecret, options.webhooks) : undefined;
  const yoga = createBillingYoga({
    deps: webhooks?.deps ?? deps,
    apiKey: TEST_KEY,
    auditLog: (entry) => audit.push(entry),
    ...(webhooks ? { webhooks: webhooks.deps } : {}),
    fetchAPI: lightFetchAPI,
    ...options.yoga,
  });
  // The node:http adapter `npm start` serves with (scripts/start/serve.ts).
  const api = nodeListener(yoga);
  const server: Server = createServer(options.web ? withWebApps(options.web, api) : api);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const gql: TestApi["gql"] = async (query, variables, opts = {}) => {
    const key = opts.key === undefined ? TEST_KEY : opts.key;
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key !== null ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  };
  const ok: TestApi["ok"] = async (query, variables) => {
    const result = await gql(query, variables);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data;
  };
  // Keep-alive sockets of the test's fetch would hold close() open until they time out.
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { deps, url, gql, ok, close, audit, ...(webhooks ? { webhooks } : {}) };
}
