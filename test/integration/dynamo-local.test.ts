/**
 * DynamoDB Local listens on 127.0.0.1 only (tools/dynamodb-local/start.ts): the suite's own instance and a
 * fresh one with a data directory. Checked two ways: the kernel's table of listening sockets
 * (/proc/net/tcp and tcp6) names only loopback, and a connection to the machine's non-loopback
 * address is refused while 127.0.0.1 answers. Its data directory is private (0700).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { startDynamoLocal, type DynamoLocal } from "../../tools/dynamodb-local/start";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

/** The local addresses the kernel lists as LISTENing on `port` (IPv4 and IPv6, as hex). */
function listenAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const [address, portHex] = fields[1]!.split(":");
      // State 0A is TCP_LISTEN.
      if (Number.parseInt(portHex!, 16) === port && fields[3] === "0A") found.push(address!);
    }
  }
  return found;
}

/** 127.0.0.1 as /proc/net/tcp writes it, and as an IPv4-mapped IPv6 address in tcp6. */
const LOOPBACK = ["0100007F", "0000000000000000FFFF00000100007F"];

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const lanAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((a) => a !== undefined && a.family === "IPv4" && !a.internal)
  .map((a) => a!.address);

async function expectLoopbackOnly(port: number) {
  const listening = listenAddresses(port);
  expect(listening.length).toBeGreaterThan(0);
  for (const address of listening) expect(LOOPBACK).toContain(address);
  expect(await reachable("127.0.0.1", port)).toBe(true);
  expect(lanAddresses.length).toBeGreaterThan(0);
  for (const address of lanAddresses) expect(await reachable(address, port), address).toBe(false);
}

describe("DynamoDB Local", () => {
  const dir = mkdtempSync(join(tmpdir(), "billing-dynamo-local-"));
  let local: DynamoLocal;

  beforeAll(async () => {
    // A directory that exists with a wide mode is tightened; a missing one is created private.
    mkdirSync(join(dir, "wide"), { mode: 0o755 });
    local = await startDynamoLocal({ dataDir: join(dir, "wide", "data") });
  });
  afterAll(async () => {
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the suite's instance listens on 127.0.0.1 only", async () => {
    const endpoint = new URL(dynamoEndpoint());
    expect(endpoint.hostname).toBe("127.0.0.1");
    await expectLoopbackOnly(Number(endpoint.port));
  });

  it("an instance with a data directory listens on 127.0.0.1 only and keeps the directory private", async () => {
    expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
    await expectLoopbackOnly(local.port);
    expect(statSync(join(dir, "wide", "data")).mode & 0o777).toBe(0o700);
  });

  it("tightens an existing data directory to 0700", async () => {
    const other = join(dir, "other");
    mkdirSync(other, { mode: 0o755 });
    const second = await startDynamoLocal({ dataDir: other });
    try {
      expect(statSync(other).mode & 0o777).toBe(0o700);
    } finally {
      await second.stop();
    }
  });
});
