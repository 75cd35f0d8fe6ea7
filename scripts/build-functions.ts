/**
 * Builds each Lambda entry point the way `sst deploy` does (SST's Node runtime runs esbuild:
 * one bundled, minified ESM file per function, platform node, a banner that gives CommonJS
 * dependencies `require`, `__filename` and `__dirname`) and reports the bundle sizes.
 *
 *   npm run build:functions [-- <outDir>]      (default dist/functions)
 *
 * The AWS SDK is bundled, not external, as SST does by default: Lambda's nodejs22.x runtime
 * ships an SDK v3 of its own choosing, while money arithmetic depends on the SDK reading numbers
 * back exactly (`wrapNumbers`), so the functions run the version the tests ran. It costs about
 * 400 KB of the GraphQL bundle, which test/infra/bundle.test.ts keeps under 1.5 MB.
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type BuildOptions, type Metafile } from "esbuild";

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
  keepNames: true,
  mainFields: ["module", "main"],
  external: BUNDLE_EXTERNAL,
  banner: { js: ESM_BANNER },
  metafile: true,
  logLevel: "silent",
} satisfies BuildOptions;

export type BuiltFunction = {
  name: string;
  entry: string;
  outfile: string;
  bytes: number;
  sdkBytes: number;
  /** Every source file in the bundle (esbuild's metafile inputs), e.g. `node_modules/sst/dist/index.js`. */
  inputs: string[];
};

/** Builds every entry point into `<outDir>/<name>/bundle.mjs`; rejects if any bundle fails. */
export async function buildFunctions(outDir: string): Promise<BuiltFunction[]> {
  return Promise.all(
    FUNCTION_ENTRIES.map(async ({ name, entry }) => {
      const outfile = join(outDir, name, "bundle.mjs");
      const result = await build({ ...esbuildOptions, absWorkingDir: root, entryPoints: [entry], outfile });
      const inputs = Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
      return { name, entry, outfile, bytes: statSync(outfile).size, sdkBytes: sdkBytesOf(result.metafile), inputs };
    }),
  );
}

function sdkBytesOf(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs))
    for (const [path, input] of Object.entries(output.inputs))
      if (/node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(path)) bytes += input.bytesInOutput;
  return bytes;
}

export function formatSizes(built: BuiltFunction[]): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`.padStart(8);
  return built
    .map((f) => `${f.name.padEnd(16)} ${kb(f.bytes)}  (AWS SDK ${kb(f.sdkBytes).trim()})  ${f.entry}`)
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
