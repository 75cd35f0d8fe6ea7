/**
 * Every response carries `x-request-id`, a fresh random id, so a client can quote it when it
 * reports a problem (the TypeScript client puts it on every error it throws). Browsers may read it:
 * CORS exposes it (plugins/http-headers.ts).
 */
import type { Plugin } from "graphql-yoga";

export const REQUEST_ID_HEADER = "x-request-id";

export function requestId(): Plugin {
  return {
    onResponse({ response }) {
      response.headers.set(REQUEST_ID_HEADER, crypto.randomUUID());
    },
  };
}
