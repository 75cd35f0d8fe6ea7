/**
 * Section 6: the Lambda bundles' sizes (scripts/build-functions.ts, minified ESM) and cold starts:
 * a fresh Node process that imports the built GraphQL bundle and answers one trackUsage
 * (bench/cold-start.mjs), timed from spawn to its response.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFunctions } from "../../scripts/build-functions";
import { API_KEY, root, TABLE } from "../harness";
import { median } from "../lib";
import { keyOf, log, type Settings } from "./context";

export type ColdStartRun = {
  spawnToResponseMs: number;
  importMs: number;
  inProcessMs: number;
  /** The fresh process's CPU time (user + system) when the import is done, and at its response. */
  importCpuMs: number;
  responseCpuMs: number;
};

export type ColdStartResult = {
  /** What a cold start loads (`bytes`, the budget's), its AWS SDK part, and every chunk (`totalBytes`). */
  bundles: Record<string, { bytes: number; sdkBytes: number; totalBytes: number }>;
  runs: ColdStartRun[];
  failures: string[];
  medianSpawnToResponseMs: number;
  medianImportMs: number;
  medianImportCpuMs: number;
  medianResponseCpuMs: number;
};

export async function measureColdStart(endpoint: string, settings: Settings): Promise<ColdStartResult> {
  log("bench: building the Lambda bundles, cold starts...");
  const outDir = mkdtempSync(join(tmpdir(), "bench-bundles-"));
  try {
    const built = await buildFunctions(outDir);
    const graphql = built.find((f) => f.name === "graphql")!;
    const runs: ColdStartRun[] = [];
    const failures: string[] = [];
    for (let i = 0; i < (settings.quick ? 3 : 5); i++) {
      await coldStart(graphql.outfile, endpoint, keyOf("cold", i)).then(
        (r) => runs.push(r),
        (e: unknown) => failures.push(String(e)),
      );
    }
    if (failures.length) log(`bench: cold start failures: ${failures.join("; ")}`);
    return {
      bundles: Object.fromEntries(
        built.map((f) => [f.name, { bytes: f.bytes, sdkBytes: f.sdkBytes, totalBytes: f.totalBytes }]),
      ),
      runs,
      failures,
      medianSpawnToResponseMs: median(runs.map((r) => r.spawnToResponseMs)),
      medianImportMs: median(runs.map((r) => r.importMs)),
      medianImportCpuMs: median(runs.map((r) => r.importCpuMs)),
      medianResponseCpuMs: median(runs.map((r) => r.responseCpuMs)),
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function coldStart(bundle: string, endpoint: string, key: string): Promise<ColdStartRun> {
  const env = {
    PATH: process.env.PATH,
    BILLING_TABLE: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    BILLING_API_KEY: API_KEY,
    BILLING_CLOCK: "real",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, "bench", "cold-start.mjs"), bundle, "c-hot", key], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith('{"status"'));
      if (line) resolveLine(line);
    });
    child.once("exit", (code) => reject(new Error(`cold start exited (${code}): ${out}`)));
  });
  const spawnToResponseMs = performance.now() - t0;
  const r = JSON.parse(line) as {
    ok: boolean;
    imported: number;
    responded: number;
    importCpu: number;
    responseCpu: number;
    errors: unknown;
  };
  if (!r.ok) throw new Error(`cold start response failed: ${line}`);
  await new Promise((r2) => child.once("exit", r2));
  return {
    spawnToResponseMs,
    importMs: r.imported,
    inProcessMs: r.responded,
    importCpuMs: r.importCpu,
    responseCpuMs: r.responseCpu,
  };
}
