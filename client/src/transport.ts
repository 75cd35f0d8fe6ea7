/**
 * One logical call: POST a GraphQL document, retrying what is safe to retry, within one deadline.
 *
 * - Retried (up to `maxRetries`, exponential backoff with jitter): network errors, HTTP 5xx and
 *   masked server errors (INTERNAL_SERVER_ERROR), HTTP 429 (waiting at least its Retry-After) and
 *   CONFLICT (write contention: nothing was written). The variables are the same on every attempt, so
 *   an operation keyed by an idempotency key is applied once however often it is sent.
 * - Never retried: a refusal (any other `extensions.code`): it is the answer.
 * - `timeoutMs` bounds the whole call, retries and waits included; the caller's `signal` aborts it.
 *
 * An operation without an idempotency key (createCustomer, subscribe, ...) may have been applied by
 * an attempt whose answer was lost ("ambiguous": a network error, a 5xx). When a later attempt is
 * then refused in a way that means "already done", `reconcile` may look at the state and return it
 * as the result (client.ts does, for those operations).
 */
import { BillingError, type BillingErrorCode, codeFromServer } from "./errors.js";
import type { Document } from "./generated.js";

export type RetryOptions = {
  /** Retries after the first attempt; default 3. 0 disables retrying. */
  maxRetries: number;
  /** First backoff, doubled on each retry; default 200 ms. */
  baseDelayMs: number;
  /** Longest backoff (a Retry-After may ask for more); default 5,000 ms. */
  maxDelayMs: number;
};

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 5_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;

export type TransportConfig = {
  url: string;
  /** The bearer credential, or a function returning it (a customer token that gets refreshed). */
  credential: string | (() => string | Promise<string>);
  fetch: typeof fetch;
  timeoutMs: number;
  retry: RetryOptions;
};

/** Options every method takes as its last argument. */
export type CallOptions = {
  /** Deadline for the whole call, retries included; default the client's (30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt; default the client's (3). */
  maxRetries?: number;
  /** Aborts the call (BillingError ABORTED). */
  signal?: AbortSignal;
};

export type ExecuteOptions<Result> = CallOptions & {
  /** After an ambiguous attempt, turn a refusal meaning "already done" into the result. */
  reconcile?: (refusal: BillingError) => Promise<Result | undefined>;
};

type Attempt<Result> =
  | { ok: true; data: Result }
  | {
      ok: false;
      error: BillingError;
      /** Worth retrying. */
      transient: boolean;
      /** The request may have been applied although no answer says so. */
      ambiguous: boolean;
      retryAfterMs?: number;
    };

export async function execute<Result, Variables>(
  config: TransportConfig,
  document: Document<Result, Variables>,
  variables: Variables,
  options: ExecuteOptions<Result> = {},
): Promise<Result> {
  const maxRetries = options.maxRetries ?? config.retry.maxRetries;
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const deadline = Date.now() + timeoutMs;
  const controller = new AbortController();
  const stop = (code: "TIMEOUT" | "ABORTED") => controller.abort(code);
  const timer = setTimeout(() => stop("TIMEOUT"), timeoutMs);
  const onCallerAbort = () => stop("ABORTED");
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const body = JSON.stringify({ query: document, variables });
  let ambiguous = false;
  try {
    for (let attempt = 1; ; attempt++) {
      const result = await send<Result>(config, body, controller.signal, attempt);
      if (result.ok) return result.data;
      ambiguous ||= result.ambiguous;
      if (!result.transient) {
        if (ambiguous && options.reconcile) {
          const reconciled = await options.reconcile(result.error);
          if (reconciled !== undefined) return reconciled;
        }
        throw result.error;
      }
      if (attempt > maxRetries) throw result.error;
      const wait = Math.max(backoff(config.retry, attempt), result.retryAfterMs ?? 0);
      if (Date.now() + wait >= deadline) throw result.error; // waiting would outlive the call
      try {
        await sleep(wait, controller.signal);
      } catch {
        throw stopped(controller.signal, attempt, result.error);
      }
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

/** The delay before retry number `retry` (1, 2, ...): half fixed, half random ("equal jitter"). */
export function backoff(retry: RetryOptions, attempt: number): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

async function send<Result>(
  config: TransportConfig,
  body: string,
  signal: AbortSignal,
  attempt: number,
): Promise<Attempt<Result>> {
  let response: Response;
  let text: string;
  try {
    const credential = typeof config.credential === "function" ? await config.credential() : config.credential;
    response = await config.fetch(config.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        authorization: `Bearer ${credential}`,
      },
      body,
      signal,
    });
    text = await response.text();
  } catch (cause) {
    if (signal.aborted) return { ok: false, error: stopped(signal, attempt, cause), transient: false, ambiguous: true };
    const error = new BillingError({
      code: "NETWORK_ERROR",
      message: `the request to the billing API failed: ${(cause as Error)?.message ?? String(cause)}`,
      attempts: attempt,
      retryable: true,
      cause,
    });
    return { ok: false, error, transient: true, ambiguous: true };
  }
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const status = response.status;
  const fail = (
    code: BillingErrorCode,
    message: string,
    transient: boolean,
    ambiguous: boolean,
    extra: Partial<ConstructorParameters<typeof BillingError>[0]> = {},
  ): Attempt<Result> => ({
    ok: false,
    error: new BillingError({ code, message, requestId, status, attempts: attempt, retryable: transient, ...extra }),
    transient,
    ambiguous,
  });

  if (status === 429) {
    const result = fail("RATE_LIMITED", "the billing API is rate limiting this client (HTTP 429)", true, false);
    return { ...result, retryAfterMs: retryAfter(response.headers.get("retry-after")) } as Attempt<Result>;
  }
  let parsed: {
    data?: unknown;
    errors?: { message?: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = {};
  }
  const first = Array.isArray(parsed?.errors) ? parsed.errors[0] : undefined;
  if (first) {
    const serverCode = first.extensions?.code;
    const code = codeFromServer(serverCode);
    const transient =
      code === "CONFLICT" || code === "INTERNAL_SERVER_ERROR" || (status >= 500 && code !== "UNKNOWN_ERROR");
    const ambiguous = code !== "CONFLICT" && transient;
    const { code: _code, ...extensions } = first.extensions ?? {};
    const result = fail(code, first.message ?? `the billing API answered ${String(serverCode)}`, transient, ambiguous, {
      serverCode: typeof serverCode === "string" ? serverCode : undefined,
      path: first.path,
      extensions,
    });
    if (status === 503 && !result.ok) result.retryAfterMs = retryAfter(response.headers.get("retry-after"));
    return result;
  }
  if (status >= 500) {
    const result = fail("INTERNAL_SERVER_ERROR", `the billing API answered HTTP ${status}`, true, true);
    if (!result.ok) result.retryAfterMs = retryAfter(response.headers.get("retry-after"));
    return result;
  }
  if (status < 200 || status >= 300 || parsed?.data === undefined || parsed.data === null) {
    return fail("BAD_RESPONSE", `the billing API answered HTTP ${status} without a GraphQL result`, false, false);
  }
  return { ok: true, data: parsed.data as Result };
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function stopped(signal: AbortSignal, attempts: number, cause: unknown): BillingError {
  const timeout = signal.reason === "TIMEOUT";
  return new BillingError({
    code: timeout ? "TIMEOUT" : "ABORTED",
    message: timeout ? "the call to the billing API timed out" : "the call to the billing API was aborted",
    attempts,
    cause,
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
