/**
 * @ai-billing/client/ai-sdk: bill every Vercel AI SDK call by itself.
 *
 *   const model = tracked(openai("gpt-4o"), { client, customerId: "acme", feature: "assistant" });
 *   await generateText({ model, prompt }); // reported as one usage event with its tokens
 *
 * A language-model middleware (`wrapLanguageModel`) that reads the usage the provider reports:
 * input tokens not read from cache, cache-read and cache-write tokens, and output tokens including
 * reasoning, with the model id from the provider's response (the billing API resolves it through its
 * catalog). It declares specification version 'v3': `ai` 6 requires it, and `ai` 7 accepts a 'v3'
 * middleware too (its `LanguageModelMiddleware` takes any `specificationVersion`, and the usage and
 * stream parts read here have the same shape in its V4 models).
 *
 * Modes:
 * - `track` (default): after `doGenerate`, and when a stream's `finish` part arrives, report the
 *   usage (awaited before the call returns or the stream closes, so a serverless function does not
 *   freeze it half-sent). A failed report never breaks the response: it goes to `onTrackingError`.
 * - `check`: first ask the billing API whether the customer may use the feature; a denial throws
 *   `EntitlementDeniedError` and the model is never called. Then report like `track`.
 *   A failure of the check itself (network, timeout) throws too: check mode fails closed.
 * - `reserve`: before the call, reserve the worst case (the prompt's estimated input tokens plus
 *   `maxOutputTokens`; docs/reservations.md); a refusal throws its typed error and the model is never
 *   called. After it, settle the actual usage (at `doGenerate`'s result, at a stream's `finish` part);
 *   on an error, or a stream cancelled before its usage is known, release the hold. A failed settle
 *   or release goes to `onTrackingError` (an unsettled hold expires by itself, `ttlSeconds`).
 *
 * Every report has an idempotency key derived from the call: `ai:<provider>:<response id>` when the
 * provider gives a response id, else one generated for the call. The client's retries reuse it, so
 * a report sent twice bills once. Give `idempotencyKey` (e.g. your request id) to make a retried
 * request of yours bill once too: its calls are keyed `<key>:1`, `<key>:2`, ... in call order.
 */
import { type LanguageModelMiddleware, wrapLanguageModel } from "ai";
import type { BillingClient, Entitlement, TrackResult } from "./client.js";
import { BillingError, codeFromServer } from "./errors.js";
import { type DenyReason, ID_PATTERN } from "./generated.js";
import { newIdempotencyKey } from "./ids.js";

type WrapOptions = Parameters<typeof wrapLanguageModel>[0];
/** A language model of the installed `ai` version (V3 in ai 6; V2, V3 or V4 in ai 7). */
export type TrackableModel = WrapOptions["model"];
export type TrackedModel = ReturnType<typeof wrapLanguageModel>;

type GenerateResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware["wrapGenerate"]>>>;
/** The provider-level usage of one call, as middlewares see it (the same shape in V3 and V4). */
export type ProviderUsage = GenerateResult["usage"];

/** What is known about one model call when its key is chosen. */
export type TrackedCall = {
  /** 1 for the first call through this tracked model, then 2, 3, ... */
  callIndex: number;
  /** The provider's response id, when it gave one. */
  responseId: string | undefined;
  /** The model id the provider reported (else the wrapped model's id). */
  modelId: string;
  provider: string;
};

/** The tokens of one call as the billing API takes them. */
export type BillableUsage = {
  model: string;
  /** Input tokens not read from or written to cache. */
  inputTokens: number;
  /** Output tokens, reasoning included. */
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
};

export type TrackingErrorContext = {
  customerId: string;
  feature: string;
  idempotencyKey: string | undefined;
  usage: BillableUsage | undefined;
};

export type TrackedOptions = {
  /** `reserve` mode needs the client's `reserve`, `settle` and `release` too. */
  client: {
    usage: Pick<BillingClient["usage"], "track" | "check"> &
      Partial<Pick<BillingClient["usage"], "reserve" | "settle" | "release">>;
  };
  customerId: string;
  /**
   * A feature priced AI_MODEL on the customer's BALANCE plan (tokens x catalog prices x margin), or any
   * metered feature, where the API books the call's token count (input + output + cache) as its units.
   */
  feature: string;
  /** `track` (default), `check`, or `reserve`. */
  mode?: "track" | "check" | "reserve";
  /** `reserve` mode: the output reserved when the call sets no `maxOutputTokens`; default 4,096. */
  maxOutputTokens?: number;
  /** `reserve` mode: the input tokens reserved for a call; default about 4 characters a token of its prompt. */
  estimateInputTokens?: (prompt: unknown) => number;
  /** `reserve` mode: how long a hold lives if neither settled nor released (1 to 86,400 s); default 300. */
  ttlSeconds?: number;
  /** A string keys this model's calls `<key>:1`, `<key>:2`, ...; a function chooses each call's key. */
  idempotencyKey?: string | ((call: TrackedCall) => string);
  /** Receives a report that failed (after the client's retries) or a call whose usage the provider did not report. Default: console.error. */
  onTrackingError?: (error: unknown, context: TrackingErrorContext) => void;
  /** Properties stored on each usage event. */
  properties?: Record<string, unknown>;
  /** The model name sent to the billing API; default the provider's response model id. */
  modelName?: (call: TrackedCall) => string;
};

/**
 * A check in `check` mode said no; the model was not called. `reason` is the entitlement's deny
 * reason; `code` is the error tracking would have met (the same name, except UNKNOWN_FEATURE: NOT_FOUND).
 */
export class EntitlementDeniedError extends BillingError {
  override readonly name = "EntitlementDeniedError";
  readonly entitlement: Entitlement;
  readonly reason: DenyReason | null;
  constructor(entitlement: Entitlement, customerId: string) {
    const reason = entitlement.reason;
    super({
      code: reason === null ? "FORBIDDEN" : reason === "UNKNOWN_FEATURE" ? "NOT_FOUND" : codeFromServer(reason),
      message: `customer "${customerId}" may not use "${entitlement.feature}" now (${reason ?? "denied"})`,
    });
    this.entitlement = entitlement;
    this.reason = reason;
  }
}

/** Wraps `model` so that every generate and stream call is billed to `customerId`. */
export function tracked(model: TrackableModel, options: TrackedOptions): TrackedModel {
  return wrapLanguageModel({ model, middleware: billingMiddleware(options) });
}

/** The middleware itself, to combine with others in `wrapLanguageModel({ middleware: [...] })`. */
export function billingMiddleware(options: TrackedOptions): LanguageModelMiddleware {
  const mode = options.mode ?? "track";
  if (mode !== "track" && mode !== "check" && mode !== "reserve")
    throw new TypeError(`tracked: unknown mode "${String(mode)}"`);
  if (mode === "reserve") return reservingMiddleware(options);
  let calls = 0;

  const before = async () => {
    const callIndex = ++calls;
    if (mode === "check") {
      const entitlement = await options.client.usage.check({
        customerId: options.customerId,
        feature: options.feature,
      });
      if (!entitlement.allowed) throw new EntitlementDeniedError(entitlement, options.customerId);
    }
    return callIndex;
  };

  /** Reports one call's usage; never throws. */
  const report = async (call: TrackedCall, usage: ProviderUsage | undefined): Promise<TrackResult | undefined> => {
    const tokens = billableUsage(usage);
    const billable = tokens && { model: options.modelName?.(call) ?? call.modelId, ...tokens };
    let idempotencyKey: string | undefined;
    try {
      if (!billable) throw new BillingError({ code: "BAD_RESPONSE", message: "the provider reported no token usage" });
      if (billable.inputTokens + billable.outputTokens + billable.cacheReadTokens + billable.cacheWriteTokens === 0) {
        return undefined; // nothing consumed, nothing to bill
      }
      idempotencyKey = keyFor(options.idempotencyKey, call);
      return await options.client.usage.track({
        customerId: options.customerId,
        feature: options.feature,
        idempotencyKey,
        ...billable,
        ...(options.properties ? { properties: options.properties } : {}),
      });
    } catch (error) {
      const context = { customerId: options.customerId, feature: options.feature, idempotencyKey, usage: billable };
      try {
        (options.onTrackingError ?? defaultOnTrackingError)(error, context);
      } catch {
        // a throwing handler must not break the response either
      }
      return undefined;
    }
  };

  return {
    specificationVersion: "v3",
    async wrapGenerate({ doGenerate, model }) {
      const callIndex = await before();
      const result = await doGenerate();
      const call = {
        callIndex,
        responseId: result.response?.id,
        modelId: result.response?.modelId ?? model.modelId,
        provider: model.provider,
      };
      await report(call, result.usage);
      return result;
    },
    async wrapStream({ doStream, model }) {
      const callIndex = await before();
      const { stream, ...rest } = await doStream();
      let responseId: string | undefined;
      let modelId: string | undefined;
      let reported: Promise<unknown> | undefined;
      const billing = new TransformStream<StreamPart, StreamPart>({
        transform(part, controller) {
          if (part.type === "response-metadata") {
            responseId = part.id ?? responseId;
            modelId = part.modelId ?? modelId;
          }
          controller.enqueue(part);
          if (part.type === "finish" && !reported) {
            const call = { callIndex, responseId, modelId: modelId ?? model.modelId, provider: model.provider };
            reported = report(call, part.usage);
          }
        },
        async flush() {
          await reported; // the stream closes once the report is done (report never rejects)
        },
      });
      return { stream: stream.pipeThrough(billing), ...rest };
    },
  };
}

/** Hands an error to `onTrackingError` (or the default), which must never break the response. */
function tellTrackingError(options: TrackedOptions, error: unknown, context: TrackingErrorContext): void {
  try {
    (options.onTrackingError ?? defaultOnTrackingError)(error, context);
  } catch {
    // a throwing handler must not break the response either
  }
}

/** About 4 characters a token over the prompt's text parts: a worst-case estimate, not a tokenizer. */
function estimatePromptTokens(prompt: unknown): number {
  let chars = 0;
  const visit = (value: unknown): void => {
    if (typeof value === "string") chars += value.length;
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") Object.values(value).forEach(visit);
  };
  visit(prompt);
  return Math.max(1, Math.ceil(chars / 4));
}

/** `reserve` mode: hold before the call, settle the actual usage after it, release when there is none. */
function reservingMiddleware(options: TrackedOptions): LanguageModelMiddleware {
  const { reserve, settle, release } = options.client.usage;
  if (!reserve || !settle || !release)
    throw new TypeError('tracked: mode "reserve" needs a client with usage.reserve, settle and release');
  let calls = 0;
  const context = (idempotencyKey: string | undefined, usage?: BillableUsage) => ({
    customerId: options.customerId,
    feature: options.feature,
    idempotencyKey,
    usage,
  });

  /** The hold; a refusal (or an unreachable API) throws: the model is not called. */
  const hold = async (
    params: { prompt: unknown; maxOutputTokens?: number },
    model: { modelId: string; provider: string },
  ) => {
    const call: TrackedCall = {
      callIndex: ++calls,
      responseId: undefined,
      modelId: model.modelId,
      provider: model.provider,
    };
    const reservation = await reserve({
      customerId: options.customerId,
      feature: options.feature,
      idempotencyKey: keyFor(options.idempotencyKey, call),
      model: options.modelName?.(call) ?? model.modelId,
      inputTokens: (options.estimateInputTokens ?? estimatePromptTokens)(params.prompt),
      outputTokens: params.maxOutputTokens ?? options.maxOutputTokens ?? 4096,
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    });
    return reservation;
  };

  /** Settles the actual usage, or releases when there is none to record; never throws. */
  const finish = async (id: string, key: string, usage: ProviderUsage | undefined) => {
    const tokens = billableUsage(usage);
    const billable = tokens && { model: "", ...tokens };
    try {
      const total = tokens
        ? tokens.inputTokens + tokens.outputTokens + tokens.cacheReadTokens + tokens.cacheWriteTokens
        : 0;
      if (!tokens || total === 0) {
        await release(id);
        if (!tokens) throw new BillingError({ code: "BAD_RESPONSE", message: "the provider reported no token usage" });
        return;
      }
      await settle(id, { ...tokens, ...(options.properties ? { properties: options.properties } : {}) });
    } catch (error) {
      tellTrackingError(options, error, context(key, billable));
    }
  };
  const giveBack = async (id: string, key: string) => {
    try {
      await release(id);
    } catch (error) {
      tellTrackingError(options, error, context(key));
    }
  };

  return {
    specificationVersion: "v3",
    async wrapGenerate({ doGenerate, params, model }) {
      const reservation = await hold(params, model);
      let result: GenerateResult;
      try {
        result = await doGenerate();
      } catch (error) {
        await giveBack(reservation.id, reservation.idempotencyKey);
        throw error;
      }
      await finish(reservation.id, reservation.idempotencyKey, result.usage);
      return result;
    },
    async wrapStream({ doStream, params, model }) {
      const reservation = await hold(params, model);
      const { id, idempotencyKey: key } = reservation;
      let started: Awaited<ReturnType<typeof doStream>>;
      try {
        started = await doStream();
      } catch (error) {
        await giveBack(id, key);
        throw error;
      }
      const { stream, ...rest } = started;
      const reader = stream.getReader();
      let ended: Promise<void> | undefined;
      // Settled at the finish part; released if the stream ends, fails or is cancelled without one.
      const end = (usage?: ProviderUsage, known = false) =>
        (ended ??= known ? finish(id, key, usage) : giveBack(id, key));
      const billed = new ReadableStream<StreamPart>({
        async pull(controller) {
          let next: ReadableStreamReadResult<StreamPart>;
          try {
            next = await reader.read();
          } catch (error) {
            await end();
            controller.error(error);
            return;
          }
          if (next.done) {
            await end();
            controller.close();
            return;
          }
          controller.enqueue(next.value);
          if (next.value.type === "finish") await end(next.value.usage, true);
        },
        async cancel(reason) {
          await reader.cancel(reason).catch(() => undefined);
          await end();
        },
      });
      return { stream: billed, ...rest };
    },
  };
}

type StreamPart =
  Awaited<ReturnType<NonNullable<LanguageModelMiddleware["wrapStream"]>>>["stream"] extends ReadableStream<infer P>
    ? P
    : never;

/**
 * The provider's usage in the billing API's terms. Input without cache is `noCache`, or the total
 * less the cache tokens when a provider gives only the total; output is the total, reasoning
 * included, or text plus reasoning. Undefined when the provider reported neither.
 */
export function billableUsage(usage: ProviderUsage | undefined): Omit<BillableUsage, "model"> | undefined {
  const input = usage?.inputTokens;
  const output = usage?.outputTokens;
  const cacheReadTokens = input?.cacheRead ?? 0;
  const cacheWriteTokens = input?.cacheWrite ?? 0;
  const inputTokens =
    input?.noCache ??
    (input?.total === undefined ? undefined : Math.max(0, input.total - cacheReadTokens - cacheWriteTokens));
  const outputTokens =
    output?.total ??
    (output?.text === undefined && output?.reasoning === undefined
      ? undefined
      : (output.text ?? 0) + (output.reasoning ?? 0));
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0, cacheReadTokens, cacheWriteTokens };
}

function keyFor(given: TrackedOptions["idempotencyKey"], call: TrackedCall): string {
  if (typeof given === "function") return given(call);
  if (typeof given === "string") return `${given}:${call.callIndex}`;
  const derived = call.responseId === undefined ? undefined : `ai:${call.provider}:${call.responseId}`;
  return derived && ID_PATTERN.test(derived) ? derived : `ai:${newIdempotencyKey()}`;
}

function defaultOnTrackingError(error: unknown, context: TrackingErrorContext): void {
  console.error(
    `@ai-billing/client: usage of "${context.feature}" for "${context.customerId}" was not reported (key ${context.idempotencyKey ?? "none"}):`,
    error,
  );
}
