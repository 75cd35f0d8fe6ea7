/**
 * DynamoDB Local for the test run, handed out per test file: one instance per vitest worker, replaced
 * by a fresh one once it has served enough. A DynamoDB Local slows down with what it has served,
 * whatever is deleted (the reliability simulation's 2,000 operations, about 13,000 requests, took
 * 31, 38, 61 and then 92 s run four times on one instance, measured here), so a suite that kept one
 * instance per worker for its whole run spent most of its later minutes waiting on a tired JVM.
 *
 * The pool lives in the main vitest process (started by the global setup) and answers a small HTTP
 * request that `test/support/dynamo-lease.ts` makes before each test file: "the endpoint for worker
 * N". A worker runs its files one after another, so the instance a worker's previous file used is
 * idle when its next file asks: that is when a worn instance is swapped for a spare started ahead
 * (so no file waits for a JVM to start) and stopped. Wear is the time an instance has been leased
 * (from one lease of its worker to the next: about the previous file's run time), which follows
 * the requests it served closely enough.
 */
import { createServer, type Server } from "node:http";
import { startDynamoLocal, type DynamoLocal } from "../../tools/dynamodb-local/start";

/** Leased time after which an instance is replaced (the simulation's seed took 31 s fresh, 38 s on a second run, 61 s on a third). */
const WEAR_LIMIT_MS = 60_000;

type Slot = { local: DynamoLocal; leasedAt: number; wornMs: number };

export type DynamoPool = { url: string; stop: () => Promise<void> };

/** `workers`: vitest's worker count; as many instances start at once, and one spare for the first swap. */
export async function startDynamoPool(workers: number): Promise<DynamoPool> {
  const slots = new Map<string, Slot>();
  const running = new Set<DynamoLocal>();
  const start = () => {
    const started = startDynamoLocal({ quickJvm: true }).then((local) => {
      running.add(local);
      return local;
    });
    // A spare that fails to start fails the lease that takes it (an answer of 500 naming the cause),
    // not the run: until then its rejection has a handler.
    started.catch(() => undefined);
    return started;
  };
  const stopOne = (local: DynamoLocal) => {
    running.delete(local);
    return local.stop();
  };
  const spares = Array.from({ length: workers + 1 }, start);
  // Java missing or broken fails the setup, with DynamoDB Local's own message.
  await Promise.all(spares);

  async function lease(worker: string): Promise<string> {
    const at = Date.now();
    const slot = slots.get(worker);
    if (slot) {
      slot.wornMs += at - slot.leasedAt;
      slot.leasedAt = at;
      if (slot.wornMs < WEAR_LIMIT_MS) return slot.local.endpoint;
      void stopOne(slot.local);
      spares.push(start());
    }
    const local = await (spares.shift() ?? start());
    slots.set(worker, { local, leasedAt: at, wornMs: 0 });
    return local.endpoint;
  }

  const server: Server = createServer((request, response) => {
    const worker = new URL(request.url ?? "/", "http://pool").searchParams.get("worker") ?? "1";
    lease(worker).then(
      (endpoint) => response.end(endpoint),
      (error: unknown) => {
        response.statusCode = 500;
        response.end(error instanceof Error ? error.message : String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(spares.map((spare) => spare.catch(() => undefined)));
      await Promise.all([...running].map(stopOne));
    },
  };
}
