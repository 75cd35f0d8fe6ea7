/**
 * Sends one attempt over HTTP(S), safely: the host's addresses are resolved and every one is
 * checked (ssrf.ts) before connecting, and the connection goes to the checked address (the
 * socket's lookup is pinned to it; TLS still verifies the certificate for the host name), so a
 * second, different DNS answer cannot reach an internal service. Redirects are never followed
 * (a 3xx is a failed attempt), the whole attempt is bounded by a timeout (10 s), and of the
 * response only the status and a short excerpt of the body (at most 256 bytes) are kept.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { ClockMode } from "../clock";
import { ATTEMPT_TIMEOUT_MS, type AttemptResult, parseRetryAfter } from "./schedule";
import { addressProblem, urlProblem } from "./ssrf";

export const EXCERPT_BYTES = 256;
const USER_AGENT = "ai-billing-webhooks/1";

export type DeliveryRequest = { url: string; headers: Record<string, string>; body: string };
export type Transport = (request: DeliveryRequest) => Promise<AttemptResult>;
/** A host's addresses; the default is the system resolver (every address, IPv4 and IPv6). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export function httpTransport(options: { mode: ClockMode; resolve?: Resolver; timeoutMs?: number }): Transport {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  return async (request) => {
    const started = Date.now();
    const failed = (error: string): AttemptResult => ({ error, durationMs: Date.now() - started });
    const url = new URL(request.url);
    const refused = urlProblem(url, options.mode);
    if (refused) return failed(`refused: the URL ${refused}`);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: { address: string; family: number }[];
    try {
      addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
    } catch (error) {
      return failed(`DNS lookup of ${host} failed: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (!addresses.length) return failed(`DNS lookup of ${host} found no address`);
    for (const { address } of addresses) {
      const problem = addressProblem(address, options.mode);
      if (problem) return failed(`refused: ${host} resolves to ${address}, which ${problem}`);
    }
    try {
      const response = await post(url, addresses[0]!, request, timeoutMs - (Date.now() - started));
      return { ...response, durationMs: Date.now() - started };
    } catch (error) {
      return failed(error instanceof Error ? error.message : String(error));
    }
  };
}

function post(
  url: URL,
  pinned: { address: string; family: number },
  request: DeliveryRequest,
  timeoutMs: number,
): Promise<{ status: number; error?: string; excerpt?: string; retryAfterMs?: number }> {
  // The socket connects to the address that was checked, whatever the resolver would say now.
  const lookup: LookupFunction = (_hostname, opts, callback) => {
    if (opts.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const body = Buffer.from(request.body, "utf8");
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: "POST",
      lookup,
      agent: false,
      headers: {
        ...request.headers,
        "content-type": "application/json",
        "content-length": String(body.byteLength),
        "user-agent": USER_AGENT,
      },
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`timed out after ${Math.round(timeoutMs / 100) / 10} s`)),
      Math.max(1, timeoutMs),
    );
    const done = (outcome: () => void) => {
      clearTimeout(timer);
      outcome();
    };
    req.on("error", (error) => done(() => reject(error)));
    req.on("response", (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        response.destroy();
        const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString("utf8");
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
        const excerpt = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "").replace(/\uFFFD$/, "");
        const status = response.statusCode ?? 0;
        const redirect = status >= 300 && status < 400 ? { error: `redirect (HTTP ${status}) not followed` } : {};
        const header = response.headers["retry-after"];
        const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now());
        const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
        done(() => resolve({ status, ...redirect, ...(excerpt ? { excerpt } : {}), ...retry }));
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.byteLength;
        if (bytes >= EXCERPT_BYTES) finish();
      });
      response.on("end", finish);
      response.on("error", finish);
    });
    req.end(body);
  });
}
