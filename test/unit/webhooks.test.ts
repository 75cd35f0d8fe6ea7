/**
 * The webhook rules as pure functions: the retry schedule, endpoint health, which addresses and
 * URLs are refused, sealed secrets, and signatures (checked with the `standardwebhooks` package).
 */
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import {
  afterAttempt,
  ATTEMPT_TIMEOUT_MS,
  healthAfter,
  parseRetryAfter,
  RETRY_DELAYS_MS,
} from "../../core/webhooks/schedule";
import { newWebhookSecret, secretVault, UnreadableSecretError } from "../../core/webhooks/secrets";
import { webhookHeaders } from "../../core/webhooks/signing";
import { addressProblem, checkEndpointUrl } from "../../core/webhooks/ssrf";

const T = new Date("2026-03-01T12:00:00.000Z");
const at = (ms: number) => new Date(T.getTime() + ms).toISOString();

describe("the retry schedule", () => {
  it("is Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then FAILED; 10 s per attempt", () => {
    expect(RETRY_DELAYS_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(ATTEMPT_TIMEOUT_MS).toBe(10_000);
    const failed = { status: 500, durationMs: 3 };
    const states = Array.from({ length: 8 }, (_, step) => afterAttempt(step, failed, T));
    expect(states.map((s) => s.nextAttemptAt)).toEqual([...RETRY_DELAYS_MS.map(at), undefined]);
    expect(states.map((s) => s.status)).toEqual([...Array(7).fill("PENDING"), "FAILED"]);
    expect(states.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("succeeds on any 2xx only; a 3xx, a timeout or a refusal is a failure; a 410 ends the delivery", () => {
    for (const status of [200, 201, 204, 299])
      expect(afterAttempt(3, { status, durationMs: 1 }, T).status).toBe("SUCCEEDED");
    for (const status of [199, 301, 302, 400, 429, 500])
      expect(afterAttempt(0, { status, durationMs: 1 }, T)).toEqual({
        status: "PENDING",
        step: 1,
        nextAttemptAt: at(5_000),
      });
    expect(afterAttempt(0, { error: "timed out after 10 s", durationMs: 10_000 }, T).status).toBe("PENDING");
    expect(afterAttempt(0, { status: 410, durationMs: 1 }, T)).toEqual({ status: "FAILED", step: 1 });
  });
});

describe("endpoint health", () => {
  const fail = { status: 500, durationMs: 1 };
  const ok = { status: 200, durationMs: 1 };
  it("starts a streak at the first failure, disables 5 days into it, and a success ends it", () => {
    expect(healthAfter(undefined, fail, T)).toEqual({ kind: "failing", since: T.toISOString() });
    expect(healthAfter(at(-5 * 86_400_000 + 1), fail, T)).toEqual({ kind: "none" });
    expect(healthAfter(at(-5 * 86_400_000), fail, T)).toEqual({
      kind: "disable",
      failingSince: at(-5 * 86_400_000),
      reason: `no successful delivery since ${at(-5 * 86_400_000)} (5 days)`,
    });
    expect(healthAfter(at(-86_400_000), ok, T)).toEqual({ kind: "recovered" });
    expect(healthAfter(undefined, ok, T)).toEqual({ kind: "none" });
    expect(healthAfter(undefined, { status: 410, durationMs: 1 }, T)).toEqual({
      kind: "disable",
      failingSince: T.toISOString(),
      reason: "the endpoint answered 410 Gone",
    });
  });
});

describe("addresses a webhook may reach", () => {
  const refused = [
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "100.64.0.1",
    "169.254.169.254",
    "169.254.0.1",
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "192.0.0.8",
    "fd00::1",
    "fd00:ec2::254",
    "fc00::1",
    "fe80::1",
    "ff02::1",
    "::",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "0:0:0:0:0:ffff:c0a8:0101",
    "64:ff9b::a00:1",
    "2002:a00:1::1",
    "2001:db8::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "::10.0.0.1",
  ];
  it.each(refused)("refuses %s in every mode", (address) => {
    expect(addressProblem(address, "real")).toMatch(/private, link-local or reserved/);
    expect(addressProblem(address, "test")).toMatch(/private, link-local or reserved/);
  });
  it("refuses loopback in production only", () => {
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1"]) {
      expect(addressProblem(address, "real")).toBe("is a loopback address");
      expect(addressProblem(address, "test")).toBeUndefined();
    }
  });
  it("allows public unicast addresses", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
      expect(addressProblem(address, "real")).toBeUndefined();
  });
});

describe("endpoint URLs", () => {
  it("normalises what it accepts and names what it refuses", () => {
    expect(checkEndpointUrl("https://Hooks.Example.com:8443/a?b=1", "real")).toEqual({
      url: "https://hooks.example.com:8443/a?b=1",
    });
    expect(checkEndpointUrl("https://0x7f.1/", "real")).toEqual({
      problem: "must not point at 127.0.0.1, which is a loopback address",
    });
    expect(checkEndpointUrl("https://app.localhost/", "real")).toEqual({ problem: "must not point at localhost" });
    expect(checkEndpointUrl(`https://example.com/${"a".repeat(2048)}`, "real")).toEqual({
      problem: "must be at most 2048 characters",
    });
    expect(checkEndpointUrl("http://localhost:3000/hooks", "test")).toEqual({ url: "http://localhost:3000/hooks" });
    expect(checkEndpointUrl("http://hooks.example.com/", "test")).toMatchObject({
      problem: expect.stringMatching(/^must use https/),
    });
  });
});

describe("secrets", () => {
  it("are whsec_ + base64 of 32 random bytes", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it("are sealed for one endpoint under the deployment's signing secret", () => {
    const vault = secretVault("signing-secret-0123456789abcdef0123456789");
    const secret = newWebhookSecret();
    const sealed = vault.seal(secret, "we_1");
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(vault.seal(secret, "we_1")).not.toBe(sealed); // a fresh IV each time
    expect(vault.open(sealed, "we_1")).toBe(secret);
    // Another endpoint's, another deployment's key, or a changed byte: unreadable.
    expect(() => vault.open(sealed, "we_2")).toThrow(UnreadableSecretError);
    expect(() => secretVault("another-signing-secret-0123456789abcdef").open(sealed, "we_1")).toThrow(
      UnreadableSecretError,
    );
    // The second-to-last character (all its bits are data) changed to one it is not.
    const tampered = `${sealed.slice(0, -2)}${sealed.at(-2) === "A" ? "B" : "A"}${sealed.slice(-1)}`;
    expect(tampered).not.toBe(sealed);
    expect(() => vault.open(tampered, "we_1")).toThrow(UnreadableSecretError);
    expect(() => vault.open("garbage", "we_1")).toThrow(UnreadableSecretError);
  });
});

describe("signatures", () => {
  it("verify with the standardwebhooks package, one per valid secret", () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const body = JSON.stringify({ id: "evt", type: "invoice.paid", data: { x: "é" } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders("evt", timestamp, body, [a, b]);
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(a).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(b).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(a).verify(`${body} `, headers)).toThrow(/No matching signature/);
    // The timestamp is signed: changing it breaks the signature.
    expect(() => new Webhook(a).verify(body, { ...headers, "webhook-timestamp": String(timestamp - 1) })).toThrow();
    // And receivers refuse a timestamp 5 minutes off their clock.
    const old = webhookHeaders("evt", timestamp - 301, body, [a]);
    expect(() => new Webhook(a).verify(body, old)).toThrow(/too old/);
  });
});

describe("Retry-After", () => {
  it("reads delta-seconds and HTTP-dates, and ignores anything else", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:30 GMT", now)).toBe(90_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    for (const bad of [undefined, "", "-5", "1.5", "soon", "12abc"]) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it("stretches a 429 or 503's next attempt, never below the schedule nor beyond its 10 h step", () => {
    const T = new Date("2026-01-01T00:00:00Z");
    const next = (status: number, retryAfterMs: number, step = 0) =>
      afterAttempt(step, { status, retryAfterMs, durationMs: 1 }, T).nextAttemptAt;
    expect(next(429, 60_000)).toBe("2026-01-01T00:01:00.000Z");
    expect(next(503, 1_000)).toBe("2026-01-01T00:00:05.000Z");
    expect(next(429, 7 * 86_400_000)).toBe("2026-01-01T10:00:00.000Z");
    expect(next(500, 60_000)).toBe("2026-01-01T00:00:05.000Z");
    expect(afterAttempt(7, { status: 429, retryAfterMs: 1_000, durationMs: 1 }, T).status).toBe("FAILED");
  });
});
