/**
 * Answers a request for a web app's path from the loaded assets, the same way on every host (the
 * Lambda in functions/web.ts, `npm start` and the test server through node.ts): the app's files by
 * name, and its index.html for any other path under it (the app routes in the browser, so
 * `/console/customers/acme` is the console's page). Not a web app's path: undefined, the caller
 * passes the request on.
 *
 * Every answer carries the pages' Content-Security-Policy (WEB_CSP) and the API's hardening
 * headers; the index is revalidated on every load (a deploy shows at once), hashed files are
 * cached for a year.
 */
import { WEB_APPS } from "../apps";
import type { WebAssets } from "./assets";

/**
 * Scripts and styles from this origin only (no inline script, no eval), requests to this origin
 * only (the API at /graphql), images from here or data: URLs, no plugins, no framing, no <base>,
 * no form posts: the page can neither load nor send anything anywhere else.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export type WebResponse = { status: number; headers: Record<string, string>; body: Buffer };

export function isWebPath(pathname: string): boolean {
  return WEB_APPS.some((app) => pathname === `/${app.name}` || pathname.startsWith(`/${app.name}/`));
}

export function webResponse(
  assets: WebAssets,
  request: { method: string; pathname: string; acceptEncoding?: string },
): WebResponse | undefined {
  const { method, pathname } = request;
  const app = WEB_APPS.find((a) => pathname === `/${a.name}` || pathname.startsWith(`/${a.name}/`));
  if (!app) return undefined;
  if (method !== "GET" && method !== "HEAD") return text(405, "method not allowed", { allow: "GET, HEAD" });
  const exact = assets.get(pathname);
  // A path that names a file (an extension) and is not one is a 404, not the page: a stale
  // script URL must fail loudly rather than load HTML as JavaScript.
  const file = exact ?? (/\.[a-z0-9]+$/i.test(pathname) ? undefined : assets.get(`/${app.name}/index.html`));
  if (!file) return text(404, "not found");
  const gzip = file.gzip && /\bgzip\b/.test(request.acceptEncoding ?? "");
  const body = gzip ? file.gzip! : file.body;
  return {
    status: 200,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": file.contentType,
      "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "Accept-Encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
      "content-length": String(body.byteLength),
    },
    body: method === "HEAD" ? Buffer.alloc(0) : body,
  };
}

const SECURITY_HEADERS = {
  "content-security-policy": WEB_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

function text(status: number, message: string, extra: Record<string, string> = {}): WebResponse {
  const body = Buffer.from(`${message}\n`);
  return {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "content-length": String(body.byteLength),
      ...extra,
    },
    body,
  };
}
