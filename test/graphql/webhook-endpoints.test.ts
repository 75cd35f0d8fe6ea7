/**
 * Webhook endpoints over GraphQL: create (the secret once), list, update, delete, the event types
 * they may subscribe to, the URL rules of each clock mode (https in production; no private,
 * loopback, link-local or metadata address), one endpoint per URL, the cap, secrets that a table
 * dump does not reveal and the audit log never writes, and the delivery log's pages.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { realClock } from "../../core/clock";
import { emittedEventTypes, EVENT_CATALOG } from "../../core/event-catalog";
import { EventType } from "../../core/events";
import { MAX_ENDPOINTS } from "../../core/webhooks/endpoints";
import { createBillingYoga } from "../../schema/yoga";
import { scanTable } from "../support/db";
import { codeOf, fixtures } from "../support/fixtures";
import { startReceiver, type Receiver } from "../support/receiver";
import { startTestApi, TEST_KEY, type TestApi } from "../support/server";

let api: TestApi;
const receivers: Receiver[] = [];

beforeEach(async () => {
  api = await startTestApi({ webhooks: {} });
});
afterEach(async () => {
  await api.webhooks!.idle();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await api.close();
});

const FIELDS = "id url events description enabled disabledReason failingSince createdAt updatedAt";
const CREATE = `mutation($u: String!, $e: [String!]!, $d: String) { createWebhookEndpoint(url: $u, events: $e, description: $d) { secret endpoint { ${FIELDS} } } }`;
const create = (u: string, e: string[] = ["*"], d?: string) => api.gql(CREATE, { u, e, d });
const update = (vars: Record<string, unknown>) =>
  api.gql(
    `mutation($id: ID!, $u: String, $e: [String!], $on: Boolean, $d: String) { updateWebhookEndpoint(id: $id, url: $u, events: $e, enabled: $on, description: $d) { ${FIELDS} } }`,
    vars,
  );
const list = async () => (await api.ok(`{ webhookEndpoints { ${FIELDS} } }`)).webhookEndpoints;

describe("eventTypes", () => {
  it("lists every type the deployment emits, in catalog order; the features not built yet are reserved", async () => {
    expect((await api.ok(`{ eventTypes }`)).eventTypes).toEqual([
      "invoice.created",
      "invoice.paid",
      "invoice.voided",
      "subscription.created",
      "subscription.renewed",
      "subscription.plan_changed",
      "subscription.canceled",
      "trial.will_end",
      "trial.ended",
      "credits.purchased",
      "credits.low",
      "credits.depleted",
      "balance.topped_up",
      "balance.low",
      "balance.negative",
      "usage.threshold_reached",
      "alert.triggered",
      "reservation.expired",
      "webhook_endpoint.disabled",
    ]);
    expect(EVENT_CATALOG.filter((e) => !e.emitted).map((e) => e.type)).toEqual([]);
    // Every event the code builds is in the catalog as emitted.
    expect(Object.values(EventType).sort()).toEqual(emittedEventTypes().sort());
  });
});

describe("createWebhookEndpoint", () => {
  it("returns a whsec_ secret once; listings never show it", async () => {
    const created = await create("http://127.0.0.1:9/hooks", ["invoice.created", "invoice.paid"], " Billing sync ");
    expect(created.data.createWebhookEndpoint).toEqual({
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      endpoint: {
        id: expect.stringMatching(/^we_[0-9a-z]+$/),
        url: "http://127.0.0.1:9/hooks",
        events: ["invoice.created", "invoice.paid"],
        description: "Billing sync",
        enabled: true,
        disabledReason: null,
        failingSince: null,
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
      },
    });
    expect(await list()).toEqual([created.data.createWebhookEndpoint.endpoint]);
    expect(JSON.stringify(await list())).not.toContain("whsec_");
  });

  it("stores the secret so that a dump of the table reveals it nowhere, and the audit log never writes one", async () => {
    const { secret } = (await create("http://127.0.0.1:9/hooks")).data.createWebhookEndpoint;
    const rotated = await api.ok(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, {
      id: (await list())[0].id,
    });
    const dump = JSON.stringify(await scanTable(api.deps.db));
    for (const s of [secret, rotated.rotateWebhookSecret.secret]) {
      expect(dump).not.toContain(s);
      expect(dump).not.toContain(s.slice("whsec_".length));
      expect(dump).not.toContain(Buffer.from(s.slice("whsec_".length), "base64").toString("hex"));
    }
    expect(dump).not.toContain("whsec_");
    // A secret pasted where an id goes is redacted in the audit line.
    await api.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`, { id: secret });
    const lines = JSON.stringify(api.audit);
    expect(lines).not.toContain(secret);
    expect(api.audit.at(-1)).toMatchObject({ operation: "deleteWebhookEndpoint", targets: ["[redacted]"] });
  });

  it("accepts * alone for every type, and refuses unknown types with BAD_USER_INPUT (no type is reserved today)", async () => {
    expect(
      (await create("http://127.0.0.1:9/a", ["invoice.paid", "*"])).data.createWebhookEndpoint.endpoint.events,
    ).toEqual(["*"]);
    const bad = await create("http://127.0.0.1:9/b", ["invoice.created", "invoice.craeted"]);
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors![0]!.message).toMatch(
      /^events: "invoice\.craeted" is not an event type this deployment emits \(eventTypes lists them: invoice\.created, .*\), nor \*$/,
    );
    expect((await create("http://127.0.0.1:9/b", [])).errors![0]!.message).toBe(
      "events must name at least one event type, or *",
    );
    expect(await list()).toHaveLength(1);
  });

  it("takes one endpoint per URL: a retried create is ALREADY_EXISTS, not a second endpoint", async () => {
    await create("http://127.0.0.1:9/hooks");
    const again = await create("http://127.0.0.1:9/hooks");
    expect(codeOf(again)).toBe("ALREADY_EXISTS");
    expect(again.errors![0]!.message).toBe("a webhook endpoint for http://127.0.0.1:9/hooks already exists");
    expect(await list()).toHaveLength(1);
  });

  it(`holds at most ${MAX_ENDPOINTS} endpoints, exactly, under concurrent creates`, async () => {
    const results = await Promise.all(
      Array.from({ length: MAX_ENDPOINTS + 5 }, (_, n) => create(`http://127.0.0.1:9/hooks/${n}`)),
    );
    expect(results.filter((r) => !r.errors).length).toBe(MAX_ENDPOINTS);
    expect(results.filter((r) => codeOf(r) === "LIMIT_REACHED").length).toBe(5);
    expect(await list()).toHaveLength(MAX_ENDPOINTS);
    await api.ok(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`, { id: (await list())[0].id });
    expect(codeOf(await create("http://127.0.0.1:9/one-more"))).toBeUndefined();
  });
});

describe("endpoint URLs", () => {
  const refusals: [string, string][] = [
    ["http://example.com/hooks", "url must use https (plain http only to localhost, 127.0.0.1 or [::1] in test mode)"],
    ["https://10.0.0.7/hooks", "url must not point at 10.0.0.7, which is a private, link-local or reserved address"],
    [
      "https://169.254.169.254/latest/meta-data",
      "url must not point at 169.254.169.254, which is a private, link-local or reserved address",
    ],
    [
      "https://[fd00:ec2::254]/",
      "url must not point at fd00:ec2::254, which is a private, link-local or reserved address",
    ],
    [
      "https://[::ffff:192.168.1.1]/",
      "url must not point at ::ffff:c0a8:101, which is a private, link-local or reserved address",
    ],
    ["https://user:pass@example.com/", "url must not carry a user name or password"],
    ["https://intranet/hooks", "url must name a public host (a domain with a dot)"],
    ["not a url", "url must be an absolute URL such as https://example.com/webhooks"],
    ["ftp://example.com/", "url must use https (plain http only to localhost, 127.0.0.1 or [::1] in test mode)"],
  ];
  it.each(refusals)("test mode refuses %s", async (url, message) => {
    const response = await create(url);
    expect(response.errors).toEqual([expect.objectContaining({ message, extensions: { code: "BAD_USER_INPUT" } })]);
    expect(await list()).toEqual([]);
  });

  it("test mode takes https anywhere public and plain http to this machine", async () => {
    for (const url of [
      "https://hooks.example.com/billing",
      "http://localhost:4001/x",
      "http://[::1]:4001/x",
      "https://127.0.0.1/x",
    ])
      expect(codeOf(await create(url))).toBeUndefined();
  });

  it("production (the real clock) requires https and refuses this machine", async () => {
    const live = startProductionYoga(api);
    const refused: [string, string][] = [
      ["http://127.0.0.1:4001/hooks", "url must use https"],
      ["http://localhost:4001/hooks", "url must use https"],
      ["https://localhost/hooks", "url must not point at localhost"],
      ["https://127.0.0.1/hooks", "url must not point at 127.0.0.1, which is a loopback address"],
      ["https://[::1]/hooks", "url must not point at ::1, which is a loopback address"],
    ];
    for (const [url, message] of refused) expect((await live(url)).errors?.[0]?.message).toBe(message);
    expect((await live("https://hooks.example.com/billing")).errors).toBeUndefined();
  });

  it("updateWebhookEndpoint checks a new URL the same way and moves the one-per-URL claim", async () => {
    const a = (await create("http://127.0.0.1:9/a")).data.createWebhookEndpoint.endpoint;
    await create("http://127.0.0.1:9/b");
    expect(codeOf(await update({ id: a.id, u: "https://10.1.1.1/" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await update({ id: a.id, u: "http://127.0.0.1:9/b" }))).toBe("ALREADY_EXISTS");
    expect((await update({ id: a.id, u: "http://127.0.0.1:9/c" })).data.updateWebhookEndpoint.url).toBe(
      "http://127.0.0.1:9/c",
    );
    // The old URL is free again.
    expect(codeOf(await create("http://127.0.0.1:9/a"))).toBeUndefined();
  });
});

function startProductionYoga(api: TestApi) {
  const yoga = createBillingYoga({ deps: { ...api.deps, clock: realClock }, apiKey: TEST_KEY, auditLog: () => {} });
  return async (url: string) => {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` },
      body: JSON.stringify({ query: CREATE, variables: { u: url, e: ["*"] } }),
    });
    return (await response.json()) as { errors?: { message: string }[] };
  };
}

describe("updateWebhookEndpoint and deleteWebhookEndpoint", () => {
  it("change only what is given; description null removes it; unknown ids are NOT_FOUND", async () => {
    const created = (await create("http://127.0.0.1:9/a", ["invoice.paid"], "first")).data.createWebhookEndpoint
      .endpoint;
    await api.ok(`mutation($t: DateTime!) { advanceClock(to: $t) }`, { t: "2026-01-02T00:00:00Z" });
    const events = await update({ id: created.id, e: ["invoice.paid", "invoice.voided", "invoice.paid"] });
    expect(events.data.updateWebhookEndpoint).toEqual({
      ...created,
      events: ["invoice.paid", "invoice.voided"],
      updatedAt: "2026-01-02T00:00:00.000Z",
    });
    const cleared = await api.ok(
      `mutation($id: ID!) { updateWebhookEndpoint(id: $id, description: null) { description events } }`,
      { id: created.id },
    );
    expect(cleared.updateWebhookEndpoint).toEqual({ description: null, events: ["invoice.paid", "invoice.voided"] });
    const disabled = await update({ id: created.id, on: false });
    expect(disabled.data.updateWebhookEndpoint).toMatchObject({
      enabled: false,
      disabledReason: "disabled by an operator",
    });
    expect(codeOf(await update({ id: "we_missing", on: true }))).toBe("NOT_FOUND");
    expect(codeOf(await update({ id: "bad#id" }))).toBe("BAD_USER_INPUT");

    const deleted = await api.ok(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id url } }`, {
      id: created.id,
    });
    expect(deleted.deleteWebhookEndpoint).toEqual({ id: created.id, url: "http://127.0.0.1:9/a" });
    expect(await list()).toEqual([]);
    expect(
      codeOf(await api.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`, { id: created.id })),
    ).toBe("NOT_FOUND");
    expect(
      codeOf(await api.gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: created.id })),
    ).toBe("NOT_FOUND");
  });
});

describe("webhookDeliveries", () => {
  it("pages an endpoint's deliveries newest first with opaque cursors, optionally by status", async () => {
    const r = await startReceiver((_, request) => ({
      status: JSON.parse(request.body).type === "subscription.created" ? 200 : 500,
    }));
    receivers.push(r);
    const { id } = (await create(r.url)).data.createWebhookEndpoint.endpoint;
    const f = fixtures(api);
    await f.features({ api_calls: "METERED" });
    await f.plan({ code: "free", model: "METERED", basePrice: "0", features: [] });
    for (const c of ["c1", "c2", "c3", "c4"]) {
      await f.customerOn(c, "free");
      await api.webhooks!.idle();
    }
    const page = async (vars: Record<string, unknown>) =>
      (
        await api.ok(
          `query($e: ID!, $s: WebhookDeliveryStatus, $n: Int, $a: String) { webhookDeliveries(endpointId: $e, status: $s, first: $n, after: $a) { edges { cursor node { eventId status } } pageInfo { hasNextPage endCursor } } }`,
          { e: id, ...vars },
        )
      ).webhookDeliveries;
    const all: string[] = [];
    let after: string | null = null;
    const sizes: number[] = [];
    do {
      const p = await page({ n: 5, a: after });
      sizes.push(p.edges.length);
      all.push(...p.edges.map((e: { node: { eventId: string } }) => e.node.eventId));
      after = p.pageInfo.hasNextPage ? p.pageInfo.endCursor : null;
      if (p.edges.length) expect(p.pageInfo.endCursor).toBe(p.edges.at(-1).cursor);
    } while (after);
    expect(sizes).toEqual([5, 5, 2]);
    const published = ["c1", "c2", "c3", "c4"].flatMap((c, n) => [
      `invoice.created:INV-00000${n + 1}`,
      `invoice.paid:INV-00000${n + 1}`,
      `subscription.created:${c}:2026-01-01T00:00:00.000Z`,
    ]);
    expect(all).toEqual(published.reverse());

    const succeeded = await page({ s: "SUCCEEDED", n: 3 });
    expect(succeeded.edges.map((e: { node: { eventId: string } }) => e.node.eventId)).toEqual(
      ["c4", "c3", "c2"].map((c) => `subscription.created:${c}:2026-01-01T00:00:00.000Z`),
    );
    const rest = await page({ s: "SUCCEEDED", n: 3, a: succeeded.pageInfo.endCursor });
    expect(rest).toEqual({
      edges: [
        {
          cursor: expect.any(String),
          node: { eventId: "subscription.created:c1:2026-01-01T00:00:00.000Z", status: "SUCCEEDED" },
        },
      ],
      pageInfo: { hasNextPage: false, endCursor: rest.edges[0].cursor },
    });
    expect((await page({ s: "PENDING", n: 100 })).edges).toHaveLength(8);
    expect((await page({ s: "FAILED" })).edges).toEqual([]);

    const bad = (vars: Record<string, unknown>) =>
      api.gql(
        `query($e: ID!, $n: Int, $a: String) { webhookDeliveries(endpointId: $e, first: $n, after: $a) { edges { cursor } } }`,
        {
          e: id,
          ...vars,
        },
      );
    expect((await bad({ a: "garbage" })).errors![0]!.message).toBe("after is not a cursor from this endpoint's list");
    const other = await bad({ e: "we_other", a: succeeded.pageInfo.endCursor });
    expect(codeOf(other)).toBe("BAD_USER_INPUT");
    expect((await bad({ n: 0 })).errors![0]!.message).toBe("first must be at least 1");
    expect(codeOf(await bad({ n: 101 }))).toBe("BAD_USER_INPUT");
  });
});
