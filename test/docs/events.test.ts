/**
 * docs/events.md stays true: every type the catalog emits has a payload section with an example
 * whose shape (field names, nesting, kinds of values) is exactly that of a real event produced by
 * the API, and its id is built as the catalog says; reserved types are listed as such.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_CATALOG } from "../../core/event-catalog";
import { fixtures } from "../support/fixtures";
import { startReceiver, type Receiver } from "../support/receiver";
import { startTestApi, type TestApi } from "../support/server";

const doc = readFileSync(join(resolve(import.meta.dirname, "../.."), "docs/events.md"), "utf8");
const examples = new Map(
  [...doc.matchAll(/^### `([a-z_.]+)`\n[\s\S]*?```json\n([\s\S]*?)```/gm)].map((m) => [m[1]!, JSON.parse(m[2]!)]),
);

/** Field names and kinds of values, recursively (arrays by their first element). */
function shape(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) return [shape(value[0])];
  if (typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as object)
        .map(([k, v]) => [k, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return typeof value;
}

let api: TestApi;
let gone: Receiver;
const real = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  api = await startTestApi({ webhooks: {} });
  gone = await startReceiver(() => ({ status: 410 }));
  const f = fixtures(api);
  await f.features({ api_calls: "METERED", images: "METERED" });
  await f.plan({
    code: "pro",
    model: "METERED",
    basePrice: "99",
    features: [{ feature: "api_calls", included: "1", overagePrice: "0.01" }],
  });
  await f.plan({
    code: "team",
    model: "METERED",
    basePrice: "199",
    features: [{ feature: "api_calls", included: "5", overagePrice: "0.01" }],
  });
  await f.plan({
    code: "creator",
    model: "CREDITS",
    basePrice: "49",
    includedCredits: "10",
    features: [{ feature: "images", creditsPerUnit: "10" }],
  });
  await f.plan({
    code: "usage",
    model: "BALANCE",
    basePrice: "0",
    features: [{ feature: "api_calls", unitPrice: "0.0043" }],
  });
  await f.pack("pack-500", "500", "20");
  await api.ok(`mutation($u: String!) { createWebhookEndpoint(url: $u, events: ["*"]) { secret } }`, { u: gone.url });
  await f.customerOn("acme", "pro");
  await api.ok(
    `mutation { createUsageAlert(input: { customerId: "acme", feature: "api_calls", metric: USAGE, threshold: "2" }) { id } }`,
  );
  await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "a1", value: 3 });
  await api.ok(`mutation { markInvoicePaid(id: "INV-000001") { id } }`);
  await f.advanceClock("2026-02-01T00:00:00Z");
  await api.ok(`mutation { closeDuePeriods }`);
  await api.ok(`mutation { changePlan(customerId: "acme", planCode: "team", timing: IMMEDIATE) { status } }`);
  await api.ok(`mutation { cancelSubscription(customerId: "acme", timing: IMMEDIATE) { status } }`);
  await f.customerOn("studio", "creator");
  await f.track({ customerId: "studio", feature: "images", idempotencyKey: "i1" });
  const pack = await api.ok(
    `mutation { purchaseCreditPack(customerId: "studio", packCode: "pack-500", idempotencyKey: "buy-1") { credits } }`,
  );
  expect(pack).toBeDefined();
  const packInvoice = api.deps.publisher.published.find((e) => e.type === "credits.purchased")!.detail.invoiceId;
  await api.ok(`mutation($id: ID!) { voidInvoice(id: $id) { id } }`, { id: packInvoice });
  await f.customerOn("bigco", "usage");
  await api.ok(`mutation { topUpBalance(customerId: "bigco", amount: "1", idempotencyKey: "top-1") { balance } }`);
  await f.track({ customerId: "bigco", feature: "api_calls", idempotencyKey: "b1", value: 1000 });
  await api.ok(
    `mutation { reserveUsage(input: { customerId: "bigco", feature: "api_calls", idempotencyKey: "job-1", value: "100", ttlSeconds: 60 }) { id } }`,
  );
  await f.advanceClock("2026-02-01T00:01:00Z");
  await api.ok(`mutation { closeDuePeriods }`);
  // A 2-day trial: trial.will_end at once, trial.ended at its end.
  await f.customer("trier");
  await api.ok(`mutation { subscribe(customerId: "trier", planCode: "pro", trialDays: 2) { status } }`);
  await f.advanceClock("2026-02-03T00:01:00Z");
  await api.ok(`mutation { closeDuePeriods }`);
  await api.webhooks!.idle();
  // The first of each type; for invoice.created the close's (its first line an OVERAGE, like the example).
  const overage = (e: { detail: Record<string, unknown> }) =>
    (e.detail.invoice as { lines: { kind: string }[] }).lines[0]!.kind === "OVERAGE";
  for (const e of api.deps.publisher.published)
    if (!real.has(e.type) && (e.type !== "invoice.created" || overage(e)))
      real.set(e.type, { id: e.id, type: e.type, version: e.version, createdAt: e.time, data: e.detail });
});
afterAll(async () => {
  await gone.close();
  await api.close();
});

describe("docs/events.md", () => {
  it.each(EVENT_CATALOG.filter((e) => e.emitted).map((e) => [e.type, e.id]))(
    "documents %s with an example shaped like the real event",
    (type, idPattern) => {
      const example = examples.get(type);
      expect(example, `docs/events.md has no "### \`${type}\`" section with a json example`).toBeDefined();
      const event = real.get(type);
      expect(event, `the scenario produced no ${type}`).toBeDefined();
      expect(shape(example)).toEqual(shape(event));
      expect(example.type).toBe(type);
      expect(example.version).toBe(1);
      // `<name>` is a part of the id, `[...]` an optional part (`balance.low:...:<granted>[:<n>]`).
      const part = (p: string) => p.replace(/[.]/g, "\\.").replace(/<[^>]+>/g, "[^:]+(?::[0-9:.TZ-]+)?");
      const parts = idPattern.split(/\[([^\]]+)\]/).map((p, i) => (i % 2 ? `(?:${part(p)})?` : part(p)));
      const idRule = new RegExp(`^${parts.join("")}$`);
      expect(example.id).toMatch(idRule);
      expect(event!.id).toMatch(idRule);
      // The table row names it with its id rule.
      expect(doc).toContain(
        `| \`${type}\` | \`${idPattern.replace("<periodStart>", "<periodStart").split("<periodStart")[0]}`,
      );
    },
  );

  it("lists every reserved type as not emitted yet", () => {
    const reserved = doc.slice(doc.indexOf("**Reserved, not emitted yet.**"), doc.indexOf("## Where events go"));
    for (const e of EVENT_CATALOG.filter((e) => !e.emitted)) expect(reserved).toContain(`\`${e.type}\``);
    for (const e of EVENT_CATALOG.filter((e) => e.emitted)) expect(reserved).not.toContain(`\`${e.type}\``);
  });
});
