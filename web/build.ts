/**
 * Builds every web app (web/apps.ts) with esbuild into `<outDir>/<app>/`: one minified ES module
 * and one stylesheet, both named by content hash (so they can be cached for ever), and an
 * index.html that loads them. Nothing is fetched at run time from anywhere but the app's own path:
 * no CDN, no web font, no analytics. Preact is bundled (about 5 KB gzipped).
 *
 *   npm run build:web [-- <outDir>]      (default dist/web)
 *
 * `npm start`, the browser tests' setup and stacks/web.ts (at deploy) call buildWeb, so the pages
 * served are always built from the code beside them; the output is never committed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { availableOptionalOperations } from "./api-operations";
import { WEB_APPS, WEB_DIST, type WebApp } from "./apps";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** index.html is written under this name first, then renamed over the old one. */
const STAGING_PREFIX = ".index.html-";

export type BuiltWebApp = {
  app: WebApp;
  dir: string;
  /** File names (relative to dir) of the script and the stylesheet. */
  script: string;
  stylesheet: string;
  jsBytes: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
};

export async function buildWeb(outDir: string = join(root, WEB_DIST)): Promise<BuiltWebApp[]> {
  return Promise.all(WEB_APPS.map((app) => buildWebApp(app, outDir)));
}

export async function buildWebApp(app: WebApp, outDir: string): Promise<BuiltWebApp> {
  // Built in place, never emptied first: several builds of one checkout may run at once (the
  // infra tests each evaluate stacks/web.ts), and one emptying the directory while another's
  // reader looks at it made a flaky test. Identical code builds identical names (content hashes);
  // index.html is replaced atomically; files no build of this code wrote are removed after.
  const dir = join(outDir, app.name);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: app.entry },
    outdir: dir,
    entryNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    // What Debian's Chromium and every current browser run natively; no polyfills shipped.
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    jsx: "automatic",
    jsxImportSource: "preact",
    tsconfig: "web/tsconfig.json",
    // Which optional operations the API has (web/api-operations.ts), read by web/shared/operations.ts.
    define: {
      "process.env.NODE_ENV": '"production"',
      __API_OPERATIONS__: JSON.stringify(availableOptionalOperations(root)),
    },
    metafile: true,
    logLevel: "silent",
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith(".js"))!;
  const stylesheet = outputs.find((name) => name.endsWith(".css"))!;
  const staging = join(dir, `${STAGING_PREFIX}${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(staging, indexHtml(app, script, stylesheet));
  renameSync(staging, join(dir, "index.html"));
  const keep = new Set([...outputs, "index.html"]);
  for (const name of readdirSync(dir))
    if (!keep.has(name) && !name.startsWith(STAGING_PREFIX)) rmSync(join(dir, name), { recursive: true, force: true });
  const js = readFileSync(join(dir, script));
  return {
    app,
    dir,
    script,
    stylesheet,
    jsBytes: js.byteLength,
    jsGzipBytes: gzipSync(js, { level: 9 }).byteLength,
    cssGzipBytes: gzipSync(readFileSync(join(dir, stylesheet)), { level: 9 }).byteLength,
  };
}

/**
 * The one HTML page of an app. The favicon is an empty data: URL so the browser asks for no
 * /favicon.ico; the script is a module (deferred), so the page paints its shell at once.
 */
function indexHtml(app: WebApp, script: string, stylesheet: string): string {
  const base = `/${app.name}/`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${app.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}${stylesheet}">
<script type="module" src="${base}${script}"></script>
</head>
<body>
<div id="app"><p class="loading">Loading…</p></div>
<noscript><p>This page needs JavaScript.</p></noscript>
</body>
</html>
`;
}

export function formatWebSizes(built: BuiltWebApp[]): string {
  return built
    .map(
      (b) =>
        `  /${b.app.name}: JavaScript ${(b.jsGzipBytes / 1024).toFixed(1)} KB gzipped (${(b.jsBytes / 1024).toFixed(1)} KB minified; budget ${(b.app.jsBudgetGzipBytes / 1024).toFixed(0)} KB), CSS ${(b.cssGzipBytes / 1024).toFixed(1)} KB gzipped`,
    )
    .join("\n");
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
  buildWeb(outDir).then(
    (built) => console.log(`Web apps built:\n${formatWebSizes(built)}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
