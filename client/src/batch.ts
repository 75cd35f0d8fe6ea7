/**
 * `usage.trackBatch`: any number of events, sent in requests of 100 (the server's batch size), one
 * request after another so events are recorded in the order given; one result per event, in that
 * order. Every event gets its idempotency key before anything is sent, so a resend of a failed
 * event (by the client's retries, or by the caller with the keys from the results) records it once.
 *
 * - An event refused on its own (credits spent, bad input) has its own error; the rest go on.
 * - Events the server answers CONFLICT for (contention) are sent again, with their keys, before the
 *   next request, up to `maxRetries` times.
 * - A request refused as a whole (a malformed event the GraphQL layer rejects, e.g. a fractional
 *   token count) gives that error to each of its events, and the batch goes on.
 * - A request that could not be delivered (retries exhausted, timeout, abort) or whose credentials
 *   were refused stops the batch: its events and all later ones get that error. Some of them may
 *   have been recorded; resending them with the same keys is safe.
 */
import { BillingError, type BillingErrorCode, codeFromServer } from "./errors.js";
import { type TrackUsageInput, TrackUsageBatchDocument, type TrackUsagePayloadFields } from "./generated.js";
import { newIdempotencyKey } from "./ids.js";
import { backoff, type CallOptions, execute, type TransportConfig } from "./transport.js";

export const BATCH_SIZE = 100;

/** A usage event; the idempotency key is generated when missing. */
export type TrackInput = Omit<TrackUsageInput, "idempotencyKey"> & { idempotencyKey?: string };

export type BatchItemResult =
  | ({ ok: true; idempotencyKey: string } & TrackUsagePayloadFields)
  | { ok: false; idempotencyKey: string; error: BillingError };

export type BatchOptions = CallOptions & {
  /** Called after each request with how many events have a result so far. */
  onProgress?: (done: number, total: number) => void;
};

/** What stops a batch rather than failing one request's events. */
const STOPS: ReadonlySet<BillingErrorCode> = new Set(["UNAUTHENTICATED", "FORBIDDEN", "TIMEOUT", "ABORTED"]);

export async function trackBatch(
  config: TransportConfig,
  inputs: readonly TrackInput[],
  options: BatchOptions = {},
): Promise<BatchItemResult[]> {
  const events: TrackUsageInput[] = inputs.map((input) => ({
    ...input,
    idempotencyKey: input.idempotencyKey ?? newIdempotencyKey(),
  }));
  const results: BatchItemResult[] = new Array(events.length);
  const maxRetries = options.maxRetries ?? config.retry.maxRetries;

  for (let start = 0; start < events.length; start += BATCH_SIZE) {
    let pending = range(start, Math.min(start + BATCH_SIZE, events.length));
    for (let round = 0; pending.length > 0; round++) {
      let answer: Awaited<ReturnType<typeof send>>;
      try {
        answer = await send(config, pending, events, options);
      } catch (error) {
        const failure = asBillingError(error);
        if (failure.retryable || STOPS.has(failure.code)) {
          for (let i = pending[0]!; i < events.length; i++) results[i] ??= failed(events[i]!, failure);
          options.onProgress?.(events.length, events.length);
          return results;
        }
        for (const i of pending) results[i] = failed(events[i]!, failure);
        break;
      }
      const conflicted: number[] = [];
      answer.forEach((item, j) => {
        const i = pending[j]!;
        const key = events[i]!.idempotencyKey;
        if (item.ok && item.payload) results[i] = { ok: true, idempotencyKey: key, ...item.payload };
        else if (item.errorCode === "CONFLICT" && round < maxRetries) conflicted.push(i);
        else results[i] = failed(events[i]!, elementError(item.errorCode, item.errorMessage));
      });
      pending = conflicted;
      if (pending.length) await new Promise((resolve) => setTimeout(resolve, backoff(config.retry, round + 1)));
    }
    options.onProgress?.(Math.min(start + BATCH_SIZE, events.length), events.length);
  }
  return results;
}

async function send(config: TransportConfig, indexes: number[], events: TrackUsageInput[], options: CallOptions) {
  const inputs = indexes.map((i) => events[i]!);
  const data = await execute(config, TrackUsageBatchDocument, { inputs }, options);
  if (data.trackUsageBatch.length !== inputs.length) {
    throw new BillingError({ code: "BAD_RESPONSE", message: "the batch answer does not have one result per event" });
  }
  return data.trackUsageBatch;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

function failed(event: TrackUsageInput, error: BillingError): BatchItemResult {
  return { ok: false, idempotencyKey: event.idempotencyKey, error };
}

function elementError(code: string | null, message: string | null): BillingError {
  return new BillingError({
    code: codeFromServer(code),
    serverCode: code ?? undefined,
    message: message ?? "the event was refused",
    retryable: code === "CONFLICT",
  });
}

function asBillingError(error: unknown): BillingError {
  if (error instanceof BillingError) return error;
  return new BillingError({ code: "BAD_RESPONSE", message: String((error as Error)?.message ?? error), cause: error });
}
