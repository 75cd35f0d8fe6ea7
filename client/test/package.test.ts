/**
 * The package as users get it: its sources use no Node-only API (so it runs on Bun, Deno, Workers,
 * edge runtimes and browsers; client/tsconfig.json checks the same with web types only), the core
 * entry does not load `ai`, and the build (ESM and declarations) runs on plain Node against the API.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

const run = promisify(execFile);
const root = new URL("../", import.meta.url).pathname;
const src = join(root, "src");

describe("sources", () => {
  const files = readdirSync(src).filter((name) => name.endsWith(".ts"));

  it.each(files)("%s uses no Node-only API", (name) => {
    const code = readFileSync(join(src, name), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""); // comments aside
    expect(code).not.toMatch(/from\s+["']node:|import\(\s*["']node:/);
    expect(code).not.toMatch(/\b(Buffer|process|require|__dirname|__filename|setImmediate)\b/);
  });

  it("the core entry never imports `ai` (only the ai-sdk entry does)", () => {
    const importsAi = files.filter((name) => /from\s+["']ai["']/.test(readFileSync(join(src, name), "utf8")));
    expect(importsAi).toEqual(["ai-sdk.ts"]);
  });

  it("declares no runtime dependencies", () => {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependenciesMeta.ai.optional).toBe(true);
  });
});

describe("the build", () => {
  let api: TestApi;
  let out: string;
  beforeAll(async () => {
    api = await startTestApi();
    out = mkdtempSync(join(tmpdir(), "billing-client-"));
    await run("npx", ["tsc", "-p", join(root, "tsconfig.build.json"), "--outDir", out], { cwd: root });
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await api?.close();
  });

  it("emits ESM and declarations for both entries", () => {
    for (const file of ["index.js", "index.d.ts", "ai-sdk.js", "ai-sdk.d.ts"])
      expect(existsSync(join(out, file)), file).toBe(true);
  });

  it("runs on plain Node (no TypeScript loader) against the API", async () => {
    const script = `
      import { createBillingClient, BillingError } from ${JSON.stringify(join(out, "index.js"))};
      const client = createBillingClient({ url: process.env.URL, apiKey: process.env.KEY });
      const plans = await client.plans.list();
      const refused = await client.customers.get("x").then(() => null, (e) => e);
      const error = await createBillingClient({ url: process.env.URL, apiKey: "wrong" }).plans.list().catch((e) => e);
      console.log(JSON.stringify({ plans, refused, code: error.code, typed: error instanceof BillingError }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, URL: api.url, KEY: TEST_KEY },
    });
    expect(JSON.parse(stdout)).toEqual({ plans: [], refused: null, code: "UNAUTHENTICATED", typed: true });
  });
});
