/**
 * Stopping `npm start` the way a terminal does: SIGINT to the whole process group (npm, the shell
 * and the server). npm relays its own copy, so the server sees the signal twice; a second signal
 * within a second must be the same stop, not a forced exit. DynamoDB Local's Java process must be
 * gone afterwards. (Under the `tsx` command, which SIGKILLs a child that does not acknowledge a
 * signal within 30 ms, this failed on a loaded machine: `npm start` runs `node --import tsx`.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
});

function startNpm() {
  const child = spawn("npm", ["start"], {
    cwd: new URL("../..", import.meta.url),
    detached: true, // its own process group, as a terminal's foreground job
    env: { ...process.env, PORT: "0", BILLING_DATA_DIR: "memory", BILLING_SWEEP_INTERVAL_MS: "60000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // "close", not "exit": npm can exit a moment before the server's last lines have come through
  // the pipe they share; "close" waits until every process holding the pipe has let go and all
  // its output has been read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes("Press Ctrl-C to stop.")) resolve();
      else if (child.exitCode !== null) reject(new Error(`npm start exited early:\n${output}`));
      else setTimeout(check, 50);
    };
    check();
  });
  return { child, ready, exited, output: () => output };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("npm start and SIGINT to its process group", () => {
  it("stops cleanly when the signal arrives twice within a second", { timeout: 180_000 }, async () => {
    const server = startNpm();
    await server.ready;
    const dynamoPort = Number(/DynamoDB:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output())?.[1]);
    expect(await answers(dynamoPort)).toBe(true);

    process.kill(-server.child.pid!, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 100)); // a second Ctrl-C copy, 0.1 s later
    if (server.child.exitCode === null) process.kill(-server.child.pid!, "SIGINT");

    const exit = await server.exited;
    expect(server.output()).not.toContain("again: exiting now");
    // "stopped." is printed once everything is down, right before the server exits with 0.
    expect(server.output()).toContain("stopped.");
    // npm itself, signalled too, ends by re-raising SIGINT once its script has exited.
    expect([exit.code, exit.signal]).toEqual([null, "SIGINT"]);
    expect(await answers(dynamoPort)).toBe(false);
  });
});
