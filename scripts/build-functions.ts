/**
 * Builds each Lambda entry point the way `sst deploy` does (SST's Node runtime runs esbuild:
 * bundled, minified ESM per function, platform node, a banner that gives CommonJS dependencies
 * `require`, `__filename` and `__dirname`, and code splitting, `nodejs.splitting` in
 * stacks/settings.ts) and reports the bundle sizes.
 *
 * Code splitting puts what is only imported dynamically (`import()`: the DynamoDB SDK client
 * core/db/sdk.ts builds on the first call that needs it, the SSM client a stage with secrets in
 * SSM reads once, the EventBridge client a publish loads, the SDK's credential providers other
 * than the environment's) in chunks of their own, loaded when first used. A
 * bundle's size is what a cold start loads: the entry file and the chunks it imports statically;
 * `totalBytes` counts every chunk.
 *
 *   npm run build:functions [-- <outDir>]      (default dist/functions)
 *
 * The AWS SDK is bundled, not external, as SST does by default: Lambda's nodejs22.x runtime
 * ships an SDK v3 of its own choosing, while money arithmetic depends on the SDK reading numbers
 * back exactly (`wrapNumbers`), so the functions run the version the tests ran. What a cold start
 * of the GraphQL function loads of it is the wire transport's part (exception classes, retry
 * strategy, marshalling: about 25 KB); test/infra/bundle.test.ts keeps that function under 0.7 MB.
 * The esbuild plugins (stacks/bundle-plugins.mjs) keep the rest in lazy chunks.
 */
import { statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type BuildOptions, type Metafile } from "esbuild";
import bundlePlugins from "../stacks/bundle-plugins.mjs";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Every Lambda entry point; stacks/* point their handlers at these (checked by test/infra). */
export const FUNCTION_ENTRIES = [
  { name: "graphql", entry: "functions/graphql.ts" },
  { name: "close-periods", entry: "functions/close-periods.ts" },
  { name: "sync-catalog", entry: "functions/sync-catalog.ts" },
  { name: "deliver-webhooks", entry: "functions/deliver-webhooks.ts" },
  { name: "web", entry: "functions/web.ts" },
  { name: "rollups", entry: "functions/rollups.ts" },
] as const;

/** Packages left out of the bundles. Empty: everything, the AWS SDK included, is bundled. */
export const BUNDLE_EXTERNAL: string[] = [];

/** SST's `nodejs.plugins`: a module whose default export is the esbuild plugins, used here as well. */
export const BUNDLE_PLUGINS_FILE = "stacks/bundle-plugins.mjs";

/** Whether esbuild keeps `Function.name`: off, in SST (stacks/settings.ts) as here. */
export const KEEP_NAMES = false;

/** SST's ESM banner, verbatim: bundled CommonJS code may call require() and read __dirname. */
const ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export const esbuildOptions = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  minify: true,
  // SST keeps function and class names by default; nothing here reads them (our error classes and
  // the SDK's exceptions set `name` as a string, graphql-js tags its classes with
  // Symbol.toStringTag), so they are minified too: 69 KB less to load (docs/performance.md).
  keepNames: KEEP_NAMES,
  mainFields: ["module", "main"],
  external: BUNDLE_EXTERNAL,
  banner: { js: ESM_BANNER },
  metafile: true,
  // SST's nodejs.plugins (stacks/settings.ts): the same file.
  plugins: bundlePlugins,
  logLevel: "silent",
  splitting: true,
  entryNames: "bundle",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
} satisfies BuildOptions;

export type BuiltFunction = {
  name: string;
  entry: string;
  /** The entry file, `<outDir>/<name>/bundle.mjs`. */
  outfile: string;
  /** What a cold start loads: the entry file and every chunk it imports statically. */
  bytes: number;
  /** Every output file, the lazily loaded chunks included. */
  totalBytes: number;
  /** The AWS SDK's part of `bytes`. */
  sdkBytes: number;
  /** Every source file in the bundle (esbuild's metafile inputs), e.g. `node_modules/sst/dist/index.js`. */
  inputs: string[];
  /** The source files with code in what a cold start loads (`bytes`). */
  loadedInputs: string[];
};

/** Builds every entry point into `<outDir>/<name>/bundle.mjs`; rejects if any bundle fails. */
export async function buildFunctions(outDir: string): Promise<BuiltFunction[]> {
  return Promise.all(
    FUNCTION_ENTRIES.map(async ({ name, entry }) => {
      const outdir = join(outDir, name);
      const result = await build({ ...esbuildOptions, absWorkingDir: root, entryPoints: [entry], outdir });
      const outfile = join(outdir, "bundle.mjs");
      const loaded = loadedAtStart(result.metafile, relative(root, outfile));
      const inputs = Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
      return {
        name,
        entry,
        outfile,
        bytes: loaded.reduce((sum, path) => sum + statSync(join(root, path)).size, 0),
        totalBytes: Object.keys(result.metafile.outputs).reduce(
          (sum, path) => sum + statSync(join(root, path)).size,
          0,
        ),
        sdkBytes: sdkBytesOf(result.metafile, loaded),
        inputs,
        loadedInputs: loaded.flatMap((output) =>
          Object.entries(result.metafile.outputs[output]!.inputs)
            .filter(([, input]) => input.bytesInOutput > 0)
            .map(([path]) => path),
        ),
      };
    }),
  );
}

/** The output files a process loads on importing `entry` (metafile paths): it and its static imports, transitively. */
function loadedAtStart(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path) || !metafile.outputs[path]) return;
    seen.add(path);
    for (const imported of metafile.outputs[path].imports)
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
  };
  visit(entry);
  return [...seen];
}

function sdkBytesOf(metafile: Metafile, outputs: string[]): number {
  let bytes = 0;
  for (const output of outputs)
    for (const [path, input] of Object.entries(metafile.outputs[output]!.inputs))
      if (/node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(path)) bytes += input.bytesInOutput;
  return bytes;
}

export function formatSizes(built: BuiltFunction[]): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`.padStart(8);
  return built
    .map(
      (f) =>
        `${f.name.padEnd(16)} ${kb(f.bytes)}  (AWS SDK ${kb(f.sdkBytes).trim()}; with lazy chunks ${kb(f.totalBytes).trim()})  ${f.entry}`,
    )
    .join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outDir = resolve(process.argv[2] ?? join(root, "dist", "functions"));
  buildFunctions(outDir).then(
    (built) => console.log(`Lambda bundles in ${outDir} (minified ESM, node22):\n${formatSizes(built)}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
