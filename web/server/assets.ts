/**
 * The built web apps in memory, ready to serve: each file with its content type, a gzipped copy
 * when that is smaller, and whether its name carries a content hash (then it may be cached for
 * ever). Loaded once per process (a Lambda container, `npm start`, a test server).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { WEB_APPS } from "../apps";

export type WebFile = { body: Buffer; gzip?: Buffer; contentType: string; immutable: boolean };

/** Keyed by URL path: `/console/index.html`, `/console/app-3F2A.js`. */
export type WebAssets = Map<string, WebFile>;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Reads `<dir>/<app>/*` for every app of web/apps.ts; an app not built is an error, not a blank page. */
export function loadWebAssets(dir: string): WebAssets {
  const assets: WebAssets = new Map();
  for (const app of WEB_APPS) {
    const appDir = join(dir, app.name);
    if (!existsSync(join(appDir, "index.html")))
      throw new Error(`the web app ${app.name} is not built in ${appDir}: run npm run build:web`);
    for (const name of readdirSync(appDir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (!contentType) continue;
      const body = readFileSync(join(appDir, name));
      const gzip = gzipSync(body, { level: 9 });
      assets.set(`/${app.name}/${name}`, {
        body,
        gzip: gzip.byteLength < body.byteLength ? gzip : undefined,
        contentType,
        immutable: /-[A-Z0-9]{8}\.(js|css)$/.test(name),
      });
    }
  }
  return assets;
}
