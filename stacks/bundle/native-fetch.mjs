// @whatwg-node/fetch in the Lambda bundles (stacks/bundle-plugins.mjs): Node's own fetch classes,
// as the package itself exports them where it skips its ponyfill (its esm-ponyfill.js), instead of
// its Node implementation (@whatwg-node/node-fetch, @fastify/busboy, urlpattern-polyfill: 94 KB).
export const fetch = globalThis.fetch;
export const Headers = globalThis.Headers;
export const Request = globalThis.Request;
export const Response = globalThis.Response;
export const FormData = globalThis.FormData;
export const ReadableStream = globalThis.ReadableStream;
export const WritableStream = globalThis.WritableStream;
export const TransformStream = globalThis.TransformStream;
export const CompressionStream = globalThis.CompressionStream;
export const DecompressionStream = globalThis.DecompressionStream;
export const TextDecoderStream = globalThis.TextDecoderStream;
export const TextEncoderStream = globalThis.TextEncoderStream;
export const Blob = globalThis.Blob;
export const File = globalThis.File;
export const crypto = globalThis.crypto;
export const btoa = globalThis.btoa;
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;

/**
 * Node 20 and 22 have no global URLPattern. Yoga asks one only whether a path other than its
 * endpoint is the endpoint (to answer 404) and for its readiness path, both literal paths
 * ("/graphql"): this answers exactly that, and refuses a pattern with URLPattern syntax.
 */
class LiteralPathPattern {
  constructor(init) {
    const pathname = typeof init === "string" ? init : init?.pathname;
    if (typeof pathname !== "string" || /[:*?+(){}\\]/.test(pathname))
      throw new TypeError(`only a literal pathname is supported here, not ${JSON.stringify(init)}`);
    this.pathname = pathname;
  }
  test(input, base) {
    const url =
      typeof input === "string" || input instanceof globalThis.URL ? new globalThis.URL(input, base) : undefined;
    return (url ? url.pathname : input?.pathname) === this.pathname;
  }
}
export const URLPattern = globalThis.URLPattern ?? LiteralPathPattern;

export function createFetch() {
  return {
    fetch,
    Headers,
    Request,
    Response,
    FormData,
    ReadableStream,
    WritableStream,
    TransformStream,
    CompressionStream,
    DecompressionStream,
    TextDecoderStream,
    TextEncoderStream,
    Blob,
    File,
    crypto,
    btoa,
    TextEncoder,
    TextDecoder,
    URLPattern,
    URL,
    URLSearchParams,
  };
}
