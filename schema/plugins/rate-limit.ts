/**
 * A token bucket per caller (each API key, the bootstrap key, each customer across its tokens),
 * in this process: a caller over its rate gets HTTP 429 RATE_LIMITED with `Retry-After` (whole
 * seconds) before its request is parsed, and other callers are not slowed by it.
 *
 * This is a shield, not an accounting mechanism: on Lambda every container keeps its own buckets,
 * so a caller spread over n containers gets up to n times the rate, and a cold container starts
 * full. Nothing about money depends on it. What bounds a whole stage is API Gateway's throttle
 * (and a WAF rate rule for large deployments: docs/deploy.md).
 *
 * O(1) per request: one Map lookup and a little arithmetic. The map holds at most MAX_CALLERS
 * buckets; the least recently seen is dropped first (a dropped caller comes back full).
 */
import type { Plugin } from "graphql-yoga";
import { callerOf } from "../../core/auth/principal";
import { errorResponse, principalOf } from "./auth";

export type Rate = { perSecond: number; burst: number };

const MAX_CALLERS = 10_000;

type Bucket = { tokens: number; at: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Takes one token from `caller`'s bucket: 0 when it had one, else the seconds until it will. */
  take(caller: string, rate: Rate): number {
    const now = this.now();
    const bucket = this.buckets.get(caller);
    let tokens = rate.burst;
    if (bucket) {
      tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
      this.buckets.delete(caller); // re-inserted below: the Map's order is least recently seen first
    } else if (this.buckets.size >= MAX_CALLERS) {
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    const allowed = tokens >= 1;
    this.buckets.set(caller, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed ? 0 : (1 - tokens) / rate.perSecond;
  }
}

export function rateLimit(rates: { apiKey: Rate; customer: Rate }, buckets = new TokenBuckets()): Plugin {
  return {
    onRequest({ request, endResponse }) {
      const principal = principalOf(request);
      if (!principal) return; // a preflight or the GraphiQL page: nothing runs
      const wait = buckets.take(callerOf(principal), principal.kind === "customer" ? rates.customer : rates.apiKey);
      if (wait === 0) return;
      const seconds = Math.max(1, Math.ceil(wait));
      endResponse(
        errorResponse(
          429,
          `too many requests from these credentials: retry after ${seconds} s`,
          "RATE_LIMITED",
          { "retry-after": String(seconds) },
          { retryAfter: seconds },
        ),
      );
    },
  };
}
