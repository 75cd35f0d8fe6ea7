/**
 * GraphiQL on a test-mode local server: the page is served with every asset
 * inline (nothing from a CDN or any third party), holds no key (the developer pastes it), may not
 * be framed, may talk only to its own origin (CSP), and is refused for a Host the server does not
 * know (DNS rebinding). With a real clock there is no page at all.
 */
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClock } from "../../core/clock";
import { GRAPHIQL_CSP } from "../../schema/plugins/graphiql";
import { createBillingYoga } from "../../schema/yoga";
import { startTestApi, TEST_KEY, type TestApi } from "../support/server";

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({
    yoga: { graphiql: renderGraphiQL, allowedHosts: ["localhost", "127.0.0.1", "[::1]"] },
  });
});
afterAll(() => api?.close());

const page = () => fetch(api.url, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });

describe("the GraphiQL page", () => {
  it("is served with its scripts, styles, fonts and workers inline: no URL outside this server", async () => {
    const response = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).toContain("YogaGraphiQL.renderYogaGraphiQL");
    // Every src/href/action attribute is inline (data:) or relative; none names another host.
    const targets = [...html.matchAll(/\b(?:src|href|action)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
    expect(targets.filter((t) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(t))).toEqual([]);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|raw\.githubusercontent\.com/);
    expect(html).not.toMatch(/@import\s+(?:url\()?["']?https?:/i);
  });

  it("may only talk to its own origin, run no code from elsewhere, and not be framed", async () => {
    const response = await page();
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toBe(GRAPHIQL_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("holds no key: the Headers tab starts with a placeholder to paste it into", async () => {
    const html = await (await page()).text();
    expect(html).not.toContain(TEST_KEY);
    expect(html).toContain("Bearer <paste your API key here>");
    // The page alone runs nothing: an operation still needs the key.
    const post = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ now }" }),
    });
    expect(post.status).toBe(401);
  });

  it("is not served for a Host the server does not know", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        api.url,
        { headers: { host: "rebind.attacker.example:4000", accept: "text/html" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it("does not exist with a real clock, whatever the options say", async () => {
    const server = createServer(
      createBillingYoga({
        deps: { ...api.deps, clock: realClock },
        apiKey: TEST_KEY,
        graphiql: renderGraphiQL,
        auditLog: () => {},
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const response = await fetch(url, { headers: { accept: "text/html" } });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain("YogaGraphiQL");
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});
