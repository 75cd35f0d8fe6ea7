/**
 * Crash and restart: the local server (`scripts/start.ts`, run directly by node so that SIGKILL
 * hits the server process itself, not a wrapper) on an on-disk data dir, under concurrent load over
 * HTTP; SIGKILL mid-load, and SIGKILL of its DynamoDB Local Java process too (found by its port:
 * it outlives its parent), i.e. the machine dies; restart on the same data dir; every request that
 * got no answer is retried with its idempotency key. The final state, read over GraphQL, must equal
 * the reference model's: each accepted event once, purchases once, invoices once, numbers gapless.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BillingModel, dec, type MPlan, type Outcome } from "./model";
import { prng } from "./faulty-db";

const KEY = "crash-test-key-0123456789abcdef0123";
const ROOT = resolve(import.meta.dirname, "../..");
const S = 10n ** 12n;

type Server = { child: ChildProcess; url: string; dynamoPort: number; output: string[] };

function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      BILLING_DATA_DIR: dataDir,
      PORT: "0",
      BILLING_API_KEY: KEY,
      BILLING_SWEEP_INTERVAL_MS: "600000",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output.join("")}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const text = output.join("");
      const url = /GraphiQL:\s+(http:\/\/\S+\/graphql)/.exec(text)?.[1];
      const dynamo = /DynamoDB:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1];
      if (url && dynamo && /Press Ctrl-C/.test(text)) {
        clearTimeout(timer);
        resolveStart({ child, url: url.replace("localhost", "127.0.0.1"), dynamoPort: Number(dynamo), output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) while starting: ${output.join("")}`));
    });
  });
}

/** The pids of DynamoDB Local Java processes listening on `port`, from /proc (Linux). */
function dynamoPids(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const at = args.indexOf("-port");
      if (args.some((a) => a.includes("DynamoDBLocal")) && at >= 0 && args[at + 1] === String(port))
        pids.push(Number(entry));
    } catch {
      // the process is gone
    }
  }
  return pids;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitGone(pids: number[]) {
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(alive)).toEqual([]);
}

async function kill9(server: Server) {
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.kill("SIGKILL");
  await exited;
  // The Java child survives its parent's SIGKILL: find it by its port and kill it too.
  const java = dynamoPids(server.dynamoPort);
  for (const pid of java) process.kill(pid, "SIGKILL");
  await waitGone(java);
  return java.length;
}

async function stopServer(server: Server) {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    const exited = new Promise((r) => server.child.once("exit", r));
    server.child.kill("SIGTERM");
    await exited;
  }
  const left = dynamoPids(server.dynamoPort);
  for (const pid of left) process.kill(pid, "SIGKILL");
  await waitGone(left);
  return left.length;
}

type Answer = { data?: any; code?: string } | undefined;

/**
 * One GraphQL request; undefined when there was no answer (connection refused or reset, or a
 * masked internal error).
 */
async function gql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
    const code = body.errors?.[0]?.extensions?.code;
    if (body.errors?.length && (!code || code === "INTERNAL_SERVER_ERROR" || code === "CONFLICT")) return undefined;
    return code ? { code } : { data: body.data };
  } catch {
    return undefined;
  }
}

const PLANS: MPlan[] = [
  {
    code: "rel_metered",
    model: "METERED",
    basePrice: 30n * S,
    includedCredits: 0n,
    blockOnExhaustion: false,
    features: [{ feature: "rel_calls", kind: "METERED", included: 500n * S, overagePrice: S / 100n, limit: 2000n * S }],
  },
  {
    code: "rel_credits",
    model: "CREDITS",
    basePrice: 10n * S,
    includedCredits: 200n * S,
    blockOnExhaustion: false,
    features: [{ feature: "rel_calls", kind: "METERED", creditsPerUnit: 2n * S }],
  },
  {
    code: "rel_balance",
    model: "BALANCE",
    basePrice: 5n * S,
    includedCredits: 0n,
    blockOnExhaustion: true,
    features: [{ feature: "rel_calls", kind: "METERED", unitPrice: S / 20n }],
  },
];
const PACK = { code: "rel_pack", credits: 100n * S, price: 9n * S };
const text = (v: bigint) => {
  const whole = v / S;
  const frac = (v % S).toString().padStart(12, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
};

type CrashOp =
  | { kind: "track"; key: string; value: bigint }
  | { kind: "batch"; items: { key: string; value: bigint }[] }
  | { kind: "pack"; key: string }
  | { kind: "topup"; key: string; amount: bigint };

const TRACK = `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`;
const BATCH = `mutation($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok errorCode payload { replayed } } }`;
const PACK_Q = `mutation($c: ID!, $k: ID!, $p: ID!) { purchaseCreditPack(customerId: $c, idempotencyKey: $k, packCode: $p) { credits } }`;
const TOPUP_Q = `mutation($c: ID!, $k: ID!, $a: Money!) { topUpBalance(customerId: $c, idempotencyKey: $k, amount: $a) { balance } }`;

function matches(expected: Outcome, actual: { ok: boolean; replayed?: boolean; code?: string }, retried: boolean) {
  if (!expected.ok) return !actual.ok && actual.code === expected.code;
  if (!actual.ok) return false;
  if (expected.replayed === undefined || actual.replayed === undefined) return true;
  return actual.replayed === expected.replayed || (retried && !expected.replayed && actual.replayed);
}

const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await stopServer(s).catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("crash and restart of the local server mid-load", () => {
  it("SIGKILL of the server and its DynamoDB Local, restart on the same data, retries with the same keys: the state equals the model's", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "billing-crash-"));
    dirs.push(dataDir);
    let server = await startServer(dataDir);
    servers.push(server);
    const ok = async (query: string, variables?: Record<string, unknown>) => {
      const a = await gql(server.url, query, variables);
      if (!a?.data) throw new Error(`setup failed: ${JSON.stringify(a)} ${query}`);
      return a.data;
    };

    // Setup, before any crash.
    await ok(`mutation { createFeature(input: { code: "rel_calls", name: "rel_calls", kind: METERED }) { code } }`);
    for (const p of PLANS) {
      const f = p.features[0] as Extract<MPlan["features"][number], { kind: "METERED" }>;
      const feature = {
        feature: "rel_calls",
        ...(f.included !== undefined
          ? { included: text(f.included), overagePrice: text(f.overagePrice!), limit: text(f.limit!) }
          : {}),
        ...(f.creditsPerUnit !== undefined ? { creditsPerUnit: text(f.creditsPerUnit) } : {}),
        ...(f.unitPrice !== undefined ? { unitPrice: text(f.unitPrice) } : {}),
      };
      await ok(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
        i: {
          code: p.code,
          name: p.code,
          model: p.model,
          interval: "MONTH",
          basePrice: text(p.basePrice),
          ...(p.model === "CREDITS" ? { includedCredits: text(p.includedCredits) } : {}),
          ...(p.blockOnExhaustion ? { blockOnExhaustion: true } : {}),
          features: [feature],
        },
      });
    }
    await ok(
      `mutation { createCreditPack(input: { code: "rel_pack", name: "rel_pack", credits: "100", price: "9" }) { code } }`,
    );
    const model = new BillingModel(
      new Map(PLANS.map((p) => [p.code, p])),
      new Map([[PACK.code, PACK]]),
      Date.parse((await ok(`{ now }`)).now),
    );
    const customers = Array.from({ length: 9 }, (_, n) => ({ id: `crash-${n}`, plan: PLANS[n % 3]!.code }));
    for (const c of customers) {
      await ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, { i: { id: c.id } });
      await ok(`mutation($c: ID!, $p: ID!) { subscribe(customerId: $c, planCode: $p) { status } }`, {
        c: c.id,
        p: c.plan,
      });
      model.addCustomer(c.id);
      model.subscribe(c.id, c.plan);
    }

    // The load: per customer a sequence (so the model's order is the real order), customers in parallel.
    const random = prng(4242);
    const scripts = customers.map((c, n) => {
      const ops: CrashOp[] = [];
      const keys: { key: string; value: bigint }[] = [];
      let made = 0;
      for (let i = 0; i < 40; i++) {
        const x = random();
        // A distinct key each call (a batch takes three before any is remembered in `keys`).
        const fresh = () => ({ key: `${c.id}-${i}-${made++}`, value: BigInt(1 + Math.floor(random() * 60)) * S });
        if (x < 0.1 && keys.length) ops.push({ kind: "track", ...keys[Math.floor(random() * keys.length)]! });
        else if (x < 0.25) {
          const items = [fresh(), fresh(), fresh()];
          keys.push(...items);
          ops.push({ kind: "batch", items });
        } else if (x < 0.33 && n % 3 === 1) ops.push({ kind: "pack", key: `${c.id}-pack-${i}` });
        else if (x < 0.33 && n % 3 === 2)
          ops.push({ kind: "topup", key: `${c.id}-topup-${i}`, amount: BigInt(1 + Math.floor(random() * 5)) * S });
        else {
          const t = fresh();
          keys.push(t);
          ops.push({ kind: "track", ...t });
        }
      }
      return { id: c.id, ops };
    });

    let answered = 0;
    let unanswered = 0;
    const mismatches: string[] = [];
    const crashAt = 120;
    let crashed: Promise<void> | undefined;
    const crash = async () => {
      // Usually the Java process outlives its parent and is killed here; either way none is left (kill9 checks).
      await kill9(server);
      server = await startServer(dataDir);
      servers.push(server);
    };

    const send = async (
      id: string,
      op: CrashOp,
    ): Promise<{ ok: boolean; replayed?: boolean; code?: string }[] | undefined> => {
      const input = (t: { key: string; value: bigint }) => ({
        customerId: id,
        feature: "rel_calls",
        idempotencyKey: t.key,
        value: text(t.value),
      });
      if (op.kind === "track") {
        const a = await gql(server.url, TRACK, { i: input(op) });
        return a && [a.code ? { ok: false, code: a.code } : { ok: true, replayed: a.data.trackUsage.replayed }];
      }
      if (op.kind === "batch") {
        const a = await gql(server.url, BATCH, { is: op.items.map(input) });
        return a?.data?.trackUsageBatch.map((r: any) =>
          r.ok ? { ok: true, replayed: r.payload.replayed } : { ok: false, code: r.errorCode },
        );
      }
      const a =
        op.kind === "pack"
          ? await gql(server.url, PACK_Q, { c: id, k: op.key, p: PACK.code })
          : await gql(server.url, TOPUP_Q, { c: id, k: op.key, a: text(op.amount) });
      return a && [a.code ? { ok: false, code: a.code } : { ok: true }];
    };

    await Promise.all(
      scripts.map(async ({ id, ops }) => {
        for (const op of ops) {
          const expected: Outcome[] =
            op.kind === "track"
              ? [model.track({ customerId: id, feature: "rel_calls", key: op.key, value: op.value }, `${op.value}`)]
              : op.kind === "batch"
                ? op.items.map((t) =>
                    model.track({ customerId: id, feature: "rel_calls", key: t.key, value: t.value }, `${t.value}`),
                  )
                : op.kind === "pack"
                  ? [model.purchasePack(id, PACK.code, op.key)]
                  : [model.topUp(id, op.amount, op.key)];
          let retried = false;
          for (let attempt = 0; ; attempt++) {
            if (attempt > 50)
              throw new Error(
                `${id}: no answer for ${JSON.stringify(op, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`,
              );
            const actual = await send(id, op);
            if (actual) {
              expected.forEach((e, i) => {
                if (!matches(e, actual[i]!, retried))
                  mismatches.push(
                    `${id} ${op.kind} ${JSON.stringify(op, (_k, v) => (typeof v === "bigint" ? String(v) : v))}: expected ${JSON.stringify(e)}, got ${JSON.stringify(actual[i])}${retried ? " after a retry" : ""}`,
                  );
              });
              if (++answered === crashAt) crashed = crash();
              break;
            }
            if (!retried) unanswered++;
            retried = true;
            // No answer: the server is down (or going down); wait for the restart, then retry with the same key.
            await (crashed ?? new Promise((r) => setTimeout(r, 100)));
          }
        }
      }),
    );
    await crashed;
    expect(mismatches).toEqual([]);
    expect(unanswered, "the kill hit requests in flight").toBeGreaterThan(0);

    // The final state, over GraphQL, against the model.
    const invoiceNumbers: string[] = [];
    for (const c of customers) {
      const data = await ok(
        `query($c: ID!) { customer(id: $c) {
          wallet { credits planCredits planCreditsGranted grantedCredits purchasedCredits balance allowance allowanceGranted topUps spent overage heldCredits heldAmount }
          usage { feature { code } used }
          invoices { number total lines { kind amount } }
          events(first: 100) { edges { node { idempotencyKey value } } pageInfo { hasNextPage } }
        } }`,
        { c: c.id },
      );
      const w = data.customer.wallet;
      const view = Object.fromEntries(
        Object.entries(w)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [k, dec(v as string)])
          .sort(([a], [b]) => (a! < b! ? -1 : 1)),
      );
      expect(view, `${c.id} wallet`).toEqual(model.walletView(c.id));
      const mc = model.customers.get(c.id)!;
      expect(
        data.customer.usage.map((u: any) => [u.feature.code, dec(u.used)]),
        `${c.id} usage`,
      ).toEqual([["rel_calls", mc.usage.get("rel_calls") ?? 0n]]);
      expect(data.customer.events.pageInfo.hasNextPage).toBe(false);
      const events = data.customer.events.edges.map((e: any) => `${e.node.idempotencyKey}=${dec(e.node.value)}`).sort();
      expect(events, `${c.id} events`).toEqual([...mc.events.values()].map((e) => `${e.key}=${e.value}`).sort());
      const invoices = data.customer.invoices
        .map((i: any) => JSON.stringify(i.lines.map((l: any) => [l.kind, String(dec(l.amount))])))
        .sort();
      const wanted = model.invoices
        .filter((i) => i.customerId === c.id)
        .map((i) => JSON.stringify(i.lines.map((l) => [l.kind, String(l.amount)])))
        .sort();
      expect(invoices, `${c.id} invoices`).toEqual(wanted);
      invoiceNumbers.push(...data.customer.invoices.map((i: any) => i.number));
    }
    // Gapless and unique across the deployment (the demo seed's invoices included).
    const demo = await ok(`{ customer(id: "demo") { invoices { number } } }`);
    const all = [...invoiceNumbers, ...demo.customer.invoices.map((i: any) => i.number)].sort();
    expect(all).toEqual(all.map((_, n) => `INV-${String(n + 1).padStart(6, "0")}`));

    // A clean stop leaves no Java process behind.
    expect(await stopServer(server)).toBe(0);
    expect(dynamoPids(server.dynamoPort)).toEqual([]);
  }, 180_000);
});
