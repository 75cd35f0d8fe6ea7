/**
 * Working through a shared queue of due items (periods to close, webhook attempts to send) with a
 * few workers and a time budget. Each worker takes the next item until the queue is empty or the
 * budget is spent; `work` handles one item and deals with its own failures (a failing item must not
 * stop the others). When the queue itself fails (its index cannot be read), the drain fails, but
 * only once the other workers have finished the item they are in, taking no new one: work left
 * running after the caller had its answer would still write, unseen by a caller that retries.
 */
export type DrainOptions = { budgetMs: number; concurrency: number; started?: number };

/** complete is false when the budget ran out with items left (the next run continues). */
export async function drain<T>(
  queue: AsyncIterator<T>,
  options: DrainOptions,
  work: (item: T) => Promise<void>,
): Promise<{ complete: boolean }> {
  const started = options.started ?? Date.now();
  let complete = true;
  let broken = false;
  const worker = async () => {
    while (!broken) {
      const next = await queue.next();
      if (next.done || broken) return;
      if (Date.now() - started >= options.budgetMs) {
        complete = false;
        return;
      }
      await work(next.value);
    }
  };
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, () =>
    worker().catch((error: unknown) => {
      broken = true;
      throw error;
    }),
  );
  const failed = (await Promise.allSettled(workers)).find((w): w is PromiseRejectedResult => w.status === "rejected");
  if (failed) throw failed.reason;
  return { complete };
}
