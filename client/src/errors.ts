/**
 * One error type for everything a call can meet: a refusal from the server (its stable
 * `extensions.code`), or a failure on the way there (network, timeout, an unusable response).
 * `retryable` says whether the client would retry it (and did, up to its limit, before throwing).
 */
import { SERVER_ERROR_CODES, type ServerErrorCode } from "./generated.js";

/** Failures the client itself detects; the server never sends these codes. */
export const CLIENT_ERROR_CODES = [
  /** The request could not be sent or its response not received (connection refused, reset, DNS). */
  "NETWORK_ERROR",
  /** The call's `timeoutMs` elapsed, retries included. */
  "TIMEOUT",
  /** The caller's `signal` aborted the call. */
  "ABORTED",
  /** HTTP 429 from the server or a gateway in front of it (retried, honouring Retry-After). */
  "RATE_LIMITED",
  /** A response that is not a GraphQL answer (a gateway's HTML error page, an unexpected status). */
  "BAD_RESPONSE",
  /** The server sent a code this version of the client does not know; `serverCode` has it. */
  "UNKNOWN_ERROR",
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type BillingErrorCode = ServerErrorCode | ClientErrorCode;

export { SERVER_ERROR_CODES, type ServerErrorCode };

const SERVER_CODES: ReadonlySet<string> = new Set(SERVER_ERROR_CODES);

export type BillingErrorInit = {
  code: BillingErrorCode;
  message: string;
  /** The server's `x-request-id` of the response that carried the error, when there was one. */
  requestId?: string;
  /** HTTP status of that response. */
  status?: number;
  /** Attempts made, the last one included. */
  attempts?: number;
  retryable?: boolean;
  serverCode?: string;
  /** The GraphQL error's path and extensions (e.g. `limit` for a request over a limit). */
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
  cause?: unknown;
};

export class BillingError extends Error {
  override readonly name: string = "BillingError";
  readonly code: BillingErrorCode;
  readonly requestId: string | undefined;
  readonly status: number | undefined;
  readonly attempts: number;
  readonly retryable: boolean;
  readonly serverCode: string | undefined;
  readonly path: readonly (string | number)[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(init: BillingErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.requestId = init.requestId;
    this.status = init.status;
    this.attempts = init.attempts ?? 1;
    this.retryable = init.retryable ?? false;
    this.serverCode = init.serverCode;
    this.path = init.path;
    this.extensions = init.extensions;
  }
}

/** Recognised by shape as well as class, so two copies of the package still match. */
export const isBillingError = (error: unknown): error is BillingError =>
  error instanceof BillingError ||
  (error instanceof Error && error.name.endsWith("BillingError") && typeof (error as BillingError).code === "string");

/** The client's code for what the server sent in `extensions.code`. */
export function codeFromServer(code: unknown): BillingErrorCode {
  return typeof code === "string" && SERVER_CODES.has(code) ? (code as ServerErrorCode) : "UNKNOWN_ERROR";
}
