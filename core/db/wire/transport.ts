/**
 * The wire transport: DynamoDB's JSON protocol spoken directly for the hot calls (a track's
 * TransactWriteItems, a wallet's consistent GetItem). One POST to "/" with
 * `X-Amz-Target: DynamoDB_20120810.<Operation>` and an `application/x-amz-json-1.0` body, signed
 * with SigV4 by hand (./sigv4.ts), over kept-alive connections (./http1.ts). Through the SDK the
 * same call costs about 0.35 ms more CPU (its middleware pipeline, signer and handler;
 * docs/performance.md).
 *
 * What stays the SDK's, so behaviour does not depend on the transport:
 * - retries: the SDK client's own retry strategy object (same attempts, backoff, retry quota) and
 *   its error classification (throttling, transient, server errors);
 * - errors: the SDK's exception classes (./errors.ts);
 * - credentials: the SDK client's provider, unless they are static (./credentials.ts);
 * - idempotency: a TransactWriteItems without a ClientRequestToken gets a random one, kept across
 *   retries, as the SDK fills one in, so a retried commit is answered with its stored success;
 * - observation: the middleware added to the SDK client runs here too (./hooks.ts).
 */
import { randomUUID } from "node:crypto";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { fromWire, mayHoldBinary, toWireJson } from "./binary";
import { serviceError } from "./errors";
import { type Doc, Hooks, type HookArgs, type HookContext, type HookResult } from "./hooks";
import { Http1Pool, type Http1Response } from "./http1";
import { amzDate, type Credentials, FixedSigner } from "./sigv4";

export type WireOperation = "GetItem" | "TransactWriteItems";

/** The SDK's retry strategy interface (v2), as the client's `config.retryStrategy()` returns it. */
export type RetryStrategy = {
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
};
type RetryToken = { getRetryCount(): number; getRetryDelay(): number };
type RetryErrorInfo = { error: unknown; errorType: "THROTTLING" | "TRANSIENT" | "SERVER_ERROR" | "CLIENT_ERROR" };

export type TransportOptions = {
  /** e.g. https://dynamodb.us-east-1.amazonaws.com or DynamoDB Local's http://127.0.0.1:8000 */
  endpoint: string;
  region: string;
  credentials: () => Credentials | Promise<Credentials>;
  retryStrategy: () => Promise<RetryStrategy>;
  /**
   * The operator's way back to the SDK path (BILLING_DYNAMODB_TRANSPORT=sdk, core/db/client.ts), and
   * the bench's A/B: the callers (core/db/transact.ts, items.ts) then send through the SDK's
   * document client, and this transport is not used.
   */
  viaSdk?: boolean;
};

const TARGET_PREFIX = "DynamoDB_20120810.";
const CONTENT_TYPE = "application/x-amz-json-1.0";

/** The fixed parts of one operation's requests (WireTransport.requestFor). */
type WireRequest = { beforeDate: string; afterDate: string; signer: FixedSigner };

export class WireTransport {
  readonly hooks = new Hooks();
  private readonly host: string;
  private readonly connections: Http1Pool;
  private readonly requests = new Map<WireOperation, WireRequest>();
  private strategy: RetryStrategy | undefined;
  private dateSecond = -1;
  private date = "";

  /** Whether callers send through the SDK instead (TransportOptions.viaSdk). */
  readonly viaSdk: boolean;

  constructor(private readonly options: TransportOptions) {
    this.viaSdk = options.viaSdk ?? false;
    const url = new URL(options.endpoint);
    this.host = url.host; // with its port when not the protocol's default: what is signed is what is sent
    // As the SDK's handler: kept-alive connections, up to 50 per host.
    this.connections = new Http1Pool(url, 50);
  }

  /**
   * One call: `input` is already in the wire's shape (AttributeValues), `documentInput` the form
   * the caller wrote, for the `initialize` hooks; `toDocument` turns the output back.
   */
  async call(
    operation: WireOperation,
    documentInput: Doc,
    marshal: (input: Doc) => Doc,
    toDocument: (output: Doc) => Doc = (output) => output,
  ): Promise<Doc> {
    const context: HookContext = { commandName: `${operation}Command`, clientName: "DynamoDBClient" };
    const outer = this.hooks.wrap("initialize", context, async (args) => {
      const input = marshal(args.input);
      // Written once, before the build hooks and the retries (as the SDK's serializer does), with
      // the idempotency token the SDK would have filled in: every retry resends the same bytes.
      const body = toWireJson(
        operation === "TransactWriteItems" && input.ClientRequestToken === undefined
          ? { ...input, ClientRequestToken: randomUUID() }
          : input,
      );
      const build = this.hooks.wrap("build", context, (a) => this.withRetries(operation, body, context, a));
      const { output, response } = await build({ input });
      return { output: toDocument(output), response };
    });
    return (await outer({ input: documentInput })).output;
  }

  /** The SDK's retry loop (its retryMiddleware), around the `finalizeRequest` hooks and the POST. */
  private async withRetries(
    operation: WireOperation,
    body: string,
    context: HookContext,
    args: HookArgs,
  ): Promise<HookResult> {
    // The client's strategy is one object for the client's life (the SDK memoizes it): resolved once.
    this.strategy ??= await this.options.retryStrategy();
    const strategy = this.strategy;
    let token = await strategy.acquireInitialRetryToken("");
    const attempt = this.hooks.wrap("finalizeRequest", context, () => this.post(operation, body));
    let attempts = 0;
    let totalRetryDelay = 0;
    for (;;) {
      try {
        const result = await attempt(args);
        strategy.recordSuccess(token);
        result.output.$metadata.attempts = attempts + 1;
        result.output.$metadata.totalRetryDelay = totalRetryDelay;
        return result;
      } catch (error) {
        const failure = error as Error & { $metadata?: Record<string, unknown> };
        try {
          token = await strategy.refreshRetryTokenForRetry(token, { error, errorType: retryErrorType(failure) });
        } catch {
          failure.$metadata ??= {};
          failure.$metadata.attempts = attempts + 1;
          failure.$metadata.totalRetryDelay = totalRetryDelay;
          throw failure;
        }
        attempts = token.getRetryCount();
        const delay = token.getRetryDelay();
        totalRetryDelay += delay;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** One signed POST; resolves with the parsed answer, rejects with the service's or the network's error. */
  private async post(operation: WireOperation, body: string): Promise<HookResult> {
    const given = this.options.credentials();
    const credentials = given instanceof Promise ? await given : given;
    const request = this.requestFor(operation, credentials);
    const date = this.amzDate();
    // One string: the request line, the signed headers, the length, then the body (./http1.ts).
    // The same bytes as building and signing the headers afresh (test/unit/db/sigv4.test.ts).
    const head = `${request.beforeDate}${date}${request.afterDate}${request.signer.sign(date, body)}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n`;
    return answer(await this.connections.request(head, body));
  }

  /**
   * What every request of `operation` with `credentials` shares: the head up to the date and from
   * it to the signature, and the signer (./sigv4.ts FixedSigner). Rebuilt when the credentials change.
   */
  private requestFor(operation: WireOperation, credentials: Credentials): WireRequest {
    const cached = this.requests.get(operation);
    const held = cached?.signer.credentials;
    if (
      cached &&
      held!.accessKeyId === credentials.accessKeyId &&
      held!.secretAccessKey === credentials.secretAccessKey &&
      held!.sessionToken === credentials.sessionToken
    )
      return cached;
    const headers: Record<string, string> = {
      "content-type": CONTENT_TYPE,
      host: this.host,
      "x-amz-target": TARGET_PREFIX + operation,
    };
    if (credentials.sessionToken) {
      // Written into the request as is (node:http refused such a value the same way).
      if (/[\r\n]/.test(credentials.sessionToken)) throw new TypeError("Invalid character in the session token");
      headers["x-amz-security-token"] = credentials.sessionToken;
    }
    const request: WireRequest = {
      // The header order of before: content-type, host, x-amz-date, x-amz-target, the token, authorization.
      beforeDate: `POST / HTTP/1.1\r\ncontent-type: ${CONTENT_TYPE}\r\nhost: ${this.host}\r\nx-amz-date: `,
      afterDate: `\r\nx-amz-target: ${TARGET_PREFIX}${operation}\r\n${
        credentials.sessionToken ? `x-amz-security-token: ${credentials.sessionToken}\r\n` : ""
      }authorization: `,
      signer: new FixedSigner("POST", "/", headers, this.options.region, "dynamodb", { ...credentials }),
    };
    this.requests.set(operation, request);
    return request;
  }

  /** The request time in SigV4's format, formatted once per second. */
  private amzDate(): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.date = amzDate(new Date(now));
    }
    return this.date;
  }
}

/** The parsed answer of a 200, or the service's exception for any other status. */
function answer({ statusCode, headers, body }: Http1Response): HookResult {
  const response = { statusCode, headers };
  if (statusCode !== 200)
    // Kept out of the enumerable members, as the SDK keeps it.
    throw Object.defineProperty(serviceError(response, body), "$response", { value: response, enumerable: false });
  const parsed = JSON.parse(body) as Doc;
  const output = (mayHoldBinary(body) ? fromWire(parsed) : parsed) as Doc;
  const requestId = headers["x-amzn-requestid"];
  output.$metadata = { httpStatusCode: 200, ...(requestId !== undefined ? { requestId } : {}) };
  return { output, response };
}

/** The SDK's classification of a failed attempt, which its retry strategy decides on. */
function retryErrorType(error: Error): RetryErrorInfo["errorType"] {
  if (isThrottlingError(error as never)) return "THROTTLING";
  if (isTransientError(error as never)) return "TRANSIENT";
  if (isServerError(error as never)) return "SERVER_ERROR";
  return "CLIENT_ERROR";
}
