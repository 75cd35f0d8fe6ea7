/**
 * The transport's SSRF rules at send time, with the host's DNS answers given by the test (an
 * injected resolver): private, link-local and metadata answers are refused before connecting,
 * and the connection goes to the address that was checked, not to a second lookup's answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { httpTransport, type Resolver } from "../../core/webhooks/transport";
import { fixtures } from "../support/fixtures";
import { startReceiver, type Receiver } from "../support/receiver";
import { startTestApi, type TestApi } from "../support/server";

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const resolverOf =
  (answers: Record<string, string[]>, calls: string[] = []): Resolver =>
  async (host) => {
    calls.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
const request = (url: string) => ({ url, headers: { "webhook-id": "evt" }, body: "{}" });

describe("at send time", () => {
  it("refuses a host resolving to a private, link-local or metadata address, or to any such among its answers", async () => {
    const transport = httpTransport({
      mode: "test",
      resolve: resolverOf({
        "private.example.com": ["10.0.0.5"],
        "metadata.example.com": ["169.254.169.254"],
        "v6.example.com": ["fd00:ec2::254"],
        "mixed.example.com": ["93.184.216.34", "192.168.1.10"],
      }),
    });
    const outcomes = await Promise.all(
      ["private", "metadata", "v6", "mixed"].map((h) => transport(request(`https://${h}.example.com/hooks`))),
    );
    expect(outcomes.map((o) => [o.status, o.error])).toEqual([
      [
        undefined,
        "refused: private.example.com resolves to 10.0.0.5, which is a private, link-local or reserved address",
      ],
      [
        undefined,
        "refused: metadata.example.com resolves to 169.254.169.254, which is a private, link-local or reserved address",
      ],
      [
        undefined,
        "refused: v6.example.com resolves to fd00:ec2::254, which is a private, link-local or reserved address",
      ],
      [
        undefined,
        "refused: mixed.example.com resolves to 192.168.1.10, which is a private, link-local or reserved address",
      ],
    ]);
  });

  it("refuses loopback answers in production, and says when the name does not resolve", async () => {
    const transport = httpTransport({ mode: "real", resolve: resolverOf({ "hooks.example.com": ["127.0.0.1"] }) });
    expect((await transport(request("https://hooks.example.com/"))).error).toBe(
      "refused: hooks.example.com resolves to 127.0.0.1, which is a loopback address",
    );
    expect((await transport(request("https://nowhere.example.com/"))).error).toBe(
      "DNS lookup of nowhere.example.com failed: ENOTFOUND",
    );
    expect((await transport(request("http://hooks.example.com/"))).error).toBe("refused: the URL must use https");
  });

  it("connects to the address it checked (one lookup), whatever the system resolver would answer", async () => {
    // The receiver listens on 127.0.0.2 only; the system resolves localhost to 127.0.0.1.
    const r = await startReceiver(undefined, "127.0.0.2");
    receivers.push(r);
    const calls: string[] = [];
    const port = new URL(r.url).port;
    const pinned = httpTransport({ mode: "test", resolve: resolverOf({ localhost: ["127.0.0.2"] }, calls) });
    expect(await pinned(request(`http://localhost:${port}/hooks`))).toMatchObject({ status: 200 });
    expect(calls).toEqual(["localhost"]);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.headers.host).toBe(`localhost:${port}`);
    const system = httpTransport({ mode: "test" });
    expect((await system(request(`http://localhost:${port}/hooks`))).error).toMatch(/ECONNREFUSED/);
  });
});

describe("through the API", () => {
  let api: TestApi;
  afterEach(async () => {
    await api.webhooks!.idle();
    await api.close();
  });

  it("logs a refused attempt on the delivery, and retries it on schedule", async () => {
    api = await startTestApi({
      webhooks: {
        transport: httpTransport({ mode: "test", resolve: resolverOf({ "hooks.example.com": ["169.254.169.254"] }) }),
      },
    });
    const f = fixtures(api);
    await f.features({ api_calls: "METERED" });
    await f.plan({ code: "free", model: "METERED", basePrice: "0", features: [] });
    const { createWebhookEndpoint } = await api.ok(
      `mutation { createWebhookEndpoint(url: "https://hooks.example.com/billing", events: ["subscription.created"]) { endpoint { id } } }`,
    );
    await f.customerOn("acme", "free");
    await api.webhooks!.idle();
    const { webhookDeliveries } = await api.ok(
      `query($e: ID!) { webhookDeliveries(endpointId: $e) { edges { node { status attempts nextAttemptAt lastResponseStatus lastError } } } }`,
      { e: createWebhookEndpoint.endpoint.id },
    );
    expect(webhookDeliveries.edges).toEqual([
      {
        node: {
          status: "PENDING",
          attempts: 1,
          nextAttemptAt: "2026-01-01T00:00:05.000Z",
          lastResponseStatus: null,
          lastError:
            "refused: hooks.example.com resolves to 169.254.169.254, which is a private, link-local or reserved address",
        },
      },
    ]);
  });
});
