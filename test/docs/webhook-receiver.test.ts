/**
 * The receiver example of docs/webhooks.md, run as written (a Node process using the
 * `standardwebhooks` package) against the API: it verifies a real delivery, acts on it once
 * through a redelivery, and refuses a request whose signature is wrong.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, expect, it } from "vitest";
import { fixtures } from "../support/fixtures";
import { startTestApi, type TestApi } from "../support/server";

const ROOT = resolve(import.meta.dirname, "../..");
let api: TestApi | undefined;
let receiver: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  receiver?.kill();
  await api?.webhooks?.idle();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const example = () => {
  const doc = readFileSync(join(ROOT, "docs/webhooks.md"), "utf8");
  const block = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error("docs/webhooks.md has no js example");
  // The block is indented inside a list item.
  return block.replace(/^ {3}/gm, "");
};

const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });

const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50)); // waits for another process's I/O, not to move time
  }
  throw new Error(`timed out waiting for ${what}`);
};

it("runs the documented receiver: verifies a delivery, acts once through a redelivery, refuses a bad signature", async () => {
  expect(example().split("\n").filter(Boolean).length).toBeLessThanOrEqual(24);
  api = await startTestApi({ webhooks: {} });
  const f = fixtures(api);
  await f.features({ api_calls: "METERED" });
  await f.plan({ code: "pro", model: "METERED", basePrice: "20", features: [] });
  const port = await freePort();
  const { createWebhookEndpoint } = await api.ok(
    `mutation($u: String!) { createWebhookEndpoint(url: $u, events: ["invoice.created"]) { secret endpoint { id } } }`,
    { u: `http://127.0.0.1:${port}/billing-webhooks` },
  );

  // Inside the repository, so that `standardwebhooks` resolves from its node_modules.
  dir = mkdtempSync(join(ROOT, ".receiver-"));
  writeFileSync(join(dir, "receiver.mjs"), example());
  const output: string[] = [];
  receiver = spawn(process.execPath, [join(dir, "receiver.mjs")], {
    env: { PATH: process.env.PATH, PORT: String(port), BILLING_WEBHOOK_SECRET: createWebhookEndpoint.secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  receiver.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  receiver.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  await until(
    () =>
      fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "" }).then(
        () => true,
        () => false,
      ),
    "the receiver to listen",
  );

  await f.customerOn("acme", "pro");
  await api.webhooks!.idle();
  await until(() => output.join("").includes("collect"), "the receiver to act");
  const page = async () =>
    (
      await api!.ok(
        `query($e: ID!) { webhookDeliveries(endpointId: $e) { edges { node { id status lastResponseStatus } } } }`,
        { e: createWebhookEndpoint.endpoint.id },
      )
    ).webhookDeliveries.edges.map((e: { node: unknown }) => e.node);
  const [delivery] = await page();
  expect(delivery).toMatchObject({ status: "SUCCEEDED", lastResponseStatus: 204 });
  const again = await api.ok(`mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { status lastResponseStatus } }`, {
    d: delivery.id,
  });
  expect(again.redeliverWebhook).toEqual({ status: "SUCCEEDED", lastResponseStatus: 204 });
  expect(output.join("")).toBe("collect 20.00\n");

  const forged = await fetch(`http://127.0.0.1:${port}/billing-webhooks`, {
    method: "POST",
    headers: {
      "webhook-id": "invoice.created:INV-999999",
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    },
    body: JSON.stringify({ id: "invoice.created:INV-999999", type: "invoice.created", data: {} }),
  });
  expect(forged.status).toBe(400);
  expect(output.join("")).toBe("collect 20.00\n");
});
