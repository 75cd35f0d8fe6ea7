/**
 * The web apps over real HTTP, as `npm start` and the tests serve them beside the API (and the
 * Lambda, functions/web.ts, from the same code): the page under a strict Content-Security-Policy,
 * the app's own URLs only, hashed files cached for ever and gzipped, any other path under
 * /console answered with the page (the app routes in the browser), and the JavaScript budget.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../schema";
import {
  apiOperations,
  availableOptionalOperations,
  OPTIONAL_OPERATIONS,
  repositoryApiOperations,
} from "../../web/api-operations";
import { WEB_APPS } from "../../web/apps";
import { buildWeb, formatWebSizes, type BuiltWebApp } from "../../web/build";
import { loadWebAssets } from "../../web/server/assets";
import { WEB_CSP } from "../../web/server/respond";
import { startTestApi, type TestApi } from "../support/server";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = mkdtempSync(join(tmpdir(), "billing-web-serve-"));
let built: BuiltWebApp[];
let api: TestApi;
let origin: string;

beforeAll(async () => {
  built = await buildWeb(outDir);
  console.log(`web apps:\n${formatWebSizes(built)}`);
  api = await startTestApi({ web: loadWebAssets(outDir) });
  origin = new URL(api.url).origin;
});
afterAll(async () => {
  await api?.close();
  rmSync(outDir, { recursive: true, force: true });
});

const console_ = () => built.find((b) => b.app.name === "console")!;

describe("the console's page", () => {
  it("is served at /console with a CSP that allows only this origin, no inline script, no framing", async () => {
    const response = await fetch(`${origin}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(WEB_CSP);
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).toContain("connect-src 'self'");
    expect(WEB_CSP).toContain("frame-ancestors 'none'");
    expect(WEB_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-cache");
  });

  it("loads only its own files: every URL in the page is under /console or a data: URL, and no script is inline", async () => {
    const html = await (await fetch(`${origin}/console`)).text();
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBe(3);
    for (const url of urls) expect(url, url).toMatch(/^(\/console\/[\w.-]+|data:,)$/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\bstyle=/);
  });

  it("answers the page for any path under /console (the app routes in the browser), 404 for a missing file", async () => {
    const deep = await fetch(`${origin}/console/customers/acme`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain(`<title>Billing console</title>`);
    const missing = await fetch(`${origin}/console/app-STALE123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-security-policy")).toBe(WEB_CSP);
  });

  it("serves hashed files cached for a year, gzipped when the browser accepts it", async () => {
    const { script } = console_();
    const plain = await fetch(`${origin}/console/${script}`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const body = Buffer.from(await plain.arrayBuffer());
    expect(body.equals(readFileSync(join(outDir, "console", script)))).toBe(true);
    // fetch() decompresses; ask node:http for the raw bytes to see the encoding.
    const { request } = await import("node:http");
    const raw = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      request(`${origin}/console/${script}`, { headers: { "accept-encoding": "gzip, br" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
      })
        .on("error", reject)
        .end();
    });
    expect(raw.encoding).toBe("gzip");
    expect(gunzipSync(raw.body).equals(body)).toBe(true);
  });

  it("takes GET and HEAD only, and leaves every other path to the API", async () => {
    const post = await fetch(`${origin}/console`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(`${origin}/console`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await api.gql("{ now }")).data).toEqual({ now: "2026-01-01T00:00:00.000Z" });
    // Not a web app's path: the API answers it (and wants a key), not the page.
    const other = await fetch(`${origin}/consoles`);
    expect(other.status).toBe(401);
    expect(other.headers.get("content-type")).not.toContain("text/html");
  });
});

describe("the portal's page", () => {
  it("is served at /portal and for any path under it (an invoice page), with the same strict CSP and its own files only", async () => {
    for (const path of ["/portal", "/portal/invoices/INV-000001"]) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-security-policy"), path).toBe(WEB_CSP);
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      const html = await response.text();
      expect(html).toContain("<title>Billing</title>");
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
      for (const url of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!))
        expect(url, url).toMatch(/^(\/portal\/[\w.-]+|data:,)$/);
    }
  });
});

describe("the JavaScript budget", () => {
  it("keeps every app's JavaScript under its gzipped budget (the console: 150 KB)", () => {
    for (const b of built) {
      console.log(
        `bench: /${b.app.name} JavaScript ${b.jsGzipBytes} bytes gzipped (budget ${b.app.jsBudgetGzipBytes})`,
      );
      expect(b.jsGzipBytes, b.app.name).toBeLessThan(b.app.jsBudgetGzipBytes);
    }
    expect(WEB_APPS.find((a) => a.name === "console")!.jsBudgetGzipBytes).toBe(150 * 1024);
    expect(WEB_APPS.find((a) => a.name === "portal")!.jsBudgetGzipBytes).toBe(100 * 1024);
  });
});

describe("the web apps' Lambda", () => {
  it("answers API Gateway events with base64 bodies, gzipped when accepted, and the same headers", async () => {
    process.env.BILLING_WEB_DIR = outDir;
    const { handler } = await import("../../functions/web");
    const event = (path: string, headers: Record<string, string> = {}) => ({
      rawPath: path,
      headers,
      requestContext: { http: { method: "GET" } },
    });
    const page = await handler(event("/console/invoices/inv_1"));
    expect(page.statusCode).toBe(200);
    expect(page.isBase64Encoded).toBe(true);
    expect(page.headers["content-security-policy"]).toBe(WEB_CSP);
    expect(page.headers["content-length"]).toBeUndefined();
    expect(Buffer.from(page.body, "base64").toString()).toContain("<title>Billing console</title>");
    const script = await handler(event(`/console/${console_().script}`, { "accept-encoding": "gzip" }));
    expect(script.headers["content-encoding"]).toBe("gzip");
    expect(
      gunzipSync(Buffer.from(script.body, "base64")).equals(readFileSync(join(outDir, "console", console_().script))),
    ).toBe(true);
  });
});

describe("the API's operations the apps are built with", () => {
  it("are the Query and Mutation fields of the API's schema; the console's script carries the optional ones it has", () => {
    const served = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()));
    expect(repositoryApiOperations(ROOT)).toEqual([...new Set(served)].sort());
    const optional = OPTIONAL_OPERATIONS.filter((name) => served.includes(name));
    expect(availableOptionalOperations(ROOT)).toEqual(optional);
    const script = readFileSync(join(outDir, "console", console_().script), "utf8");
    expect(script).toContain(JSON.stringify(optional));
    // Not the whole API: only what the console asks about.
    expect(script).not.toContain('"advanceClock"');
  });

  it("are read from type definitions and their extensions alike", () => {
    const operations = apiOperations(`type Query { customer(id: ID!): String }
      type Mutation { topUpBalance(amount: String): String }
      extend type Mutation { grantCredits(credits: String): String }`);
    expect(operations).toEqual(["customer", "grantCredits", "topUpBalance"]);
  });
});
