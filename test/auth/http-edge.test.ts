/**
 * The HTTP edge (issues 12 and 13): CORS answers only configured origins and never with `null`,
 * `Vary: Origin` always; every response is `no-store` and unframeable; error extensions never
 * carry `originalError` (a malformed JSON body is not echoed back); a server that knows its host
 * names refuses any other Host (DNS rebinding).
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, TEST_KEY, type TestApi } from "../support/server";

let api: TestApi;
let cors: TestApi;

beforeAll(async () => {
  api = await startTestApi();
  cors = await startTestApi({ yoga: { corsOrigins: ["https://app.example.com"] } });
});
afterAll(async () => {
  await api?.close();
  await cors?.close();
});

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}`, ...headers },
    body,
  });

describe("CORS", () => {
  it("with one configured origin, answers another origin without any CORS header, and always varies by Origin", async () => {
    const allowed = await post(cors.url, JSON.stringify({ query: "{ now }" }), { origin: "https://app.example.com" });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("vary")).toBe("Origin");

    const other = await post(cors.url, JSON.stringify({ query: "{ now }" }), { origin: "https://evil.example.com" });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-allow-credentials")).toBeNull();
    expect(other.headers.get("vary")).toBe("Origin");

    const preflight = await fetch(cors.url, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("vary")).toBe("Origin");
  });

  it("with none configured, sends no CORS header but still varies by Origin, on refusals too", async () => {
    const response = await post(api.url, JSON.stringify({ query: "{ now }" }), { origin: "https://app.example.com" });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("vary")).toBe("Origin");
    const refused = await post(api.url, JSON.stringify({ query: "{ now }" }), { authorization: "Bearer nope" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("vary")).toBe("Origin");
  });
});

describe("every response", () => {
  it("is not stored by caches, not sniffed and not framed: answers, refusals and errors alike", async () => {
    const responses = [
      await post(api.url, JSON.stringify({ query: "{ now }" })),
      await post(api.url, JSON.stringify({ query: "{ now }" }), { authorization: "Bearer nope" }),
      await post(api.url, "{ not json"),
    ];
    for (const response of responses) {
      expect(response.headers.get("cache-control"), String(response.status)).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });
});

describe("errors", () => {
  it("a malformed JSON body is refused without echoing the parser's message or the body", async () => {
    const response = await post(api.url, '{"query": "{ now }", "secret-looking": "bk_test_abc"');
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body).toEqual({
      errors: [{ message: "POST body sent invalid JSON.", extensions: { code: "BAD_USER_INPUT" } }],
    });
  });

  it("never carry originalError in their extensions", async () => {
    const responses = await Promise.all([
      post(api.url, "[1, 2"),
      post(api.url, JSON.stringify({ query: "{ now" })),
      post(api.url, JSON.stringify({ query: "{ nope }" })),
      post(api.url, JSON.stringify({ query: "query($d: DateTime!) { now @include(if: $d) }", variables: { d: 1 } })),
    ]);
    for (const response of responses) expect(await response.text()).not.toContain("originalError");
  });
});

describe("the Host check", () => {
  /** node's fetch will not send a made-up Host header; http.request does. */
  const withHost = (url: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ query: "{ now }" });
      const req = httpRequest(
        url,
        {
          method: "POST",
          headers: { host, "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("a server given its host names refuses any other Host (a rebound DNS name), before authenticating", async () => {
    const local = await startTestApi({ yoga: { allowedHosts: ["localhost", "127.0.0.1", "[::1]"] } });
    try {
      const port = new URL(local.url).port;
      expect((await withHost(local.url, `127.0.0.1:${port}`)).status).toBe(200);
      expect((await withHost(local.url, `localhost:${port}`)).status).toBe(200);
      expect((await withHost(local.url, `[::1]:${port}`)).status).toBe(200);
      const rebound = await withHost(local.url, `attacker.example.com:${port}`);
      expect(rebound.status).toBe(421);
      expect(JSON.parse(rebound.body).errors[0].message).toBe("this server does not answer for that host name");
      expect((await withHost(local.url, `localhost.attacker.example.com:${port}`)).status).toBe(421);
    } finally {
      await local.close();
    }
  });

  it("without host names (behind API Gateway) any Host is answered", async () => {
    const port = new URL(api.url).port;
    expect((await withHost(api.url, `abc.execute-api.eu-west-1.amazonaws.com:${port}`)).status).toBe(200);
  });
});
