/**
 * The GraphQL API with GraphiQL on node:http (schema/http/node.ts), the same yoga instance the Lambda serves, and the web
 * apps (the console at /console) on the same origin. The API answers only for the Host names of
 * this machine (allowedHostsFor), and `close` ends open connections too.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import type { Deps } from "../../core/deps";
import type { WebhookDeps } from "../../core/webhooks/deps";
import { lightFetchAPI } from "../../schema/http/light-fetch";
import { nodeListener } from "../../schema/http/node";
import { createBillingYoga } from "../../schema/yoga";
import type { WebAssets } from "../../web/server/assets";
import { withWebApps } from "../../web/server/node";

export type ServeOptions = {
  deps: Deps;
  apiKey: string;
  signingSecret: string | undefined;
  corsOrigins: string[];
  host: string;
  port: number;
  /** Host names to answer besides the loopback ones and `host`. */
  allowedHosts: string[];
  /** The in-process webhook runner's deps (scripts/start/webhooks.ts). */
  webhooks?: WebhookDeps;
  /** The built web apps (the console at /console), served beside the API on the same origin. */
  web?: WebAssets;
};

export type ServedApi = { url: string; port: number; close: () => Promise<void> };

export async function serveApi(options: ServeOptions): Promise<ServedApi> {
  const { deps, apiKey, signingSecret, corsOrigins, host, webhooks } = options;
  const yoga = createBillingYoga({
    deps,
    ...(webhooks ? { webhooks } : {}),
    apiKey,
    signingSecret,
    corsOrigins,
    graphiql: renderGraphiQL,
    allowedHosts: allowedHostsFor(host, options.allowedHosts),
    fetchAPI: lightFetchAPI,
  });
  const api = nodeListener(yoga);
  const server = createServer(options.web ? withWebApps(options.web, api) : api);
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  const shownHost = ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost"].includes(host) ? "localhost" : host;
  return { url: `http://${shownHost}:${port}/graphql`, port, close: () => closeServer(server) };
}

/**
 * The Host names the local server answers for: the loopback names, the interface it listens on
 * (unless a wildcard) and the extra ones given. Any other Host header is refused, so a web page
 * that rebinds its DNS name to this machine cannot reach the API (DNS rebinding).
 */
export function allowedHostsFor(host: string, extra: string[]): string[] {
  const listening = ["0.0.0.0", "::"].includes(host) ? [] : [host.includes(":") ? `[${host}]` : host];
  return [...new Set(["localhost", "127.0.0.1", "[::1]", ...listening, ...extra])];
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}
