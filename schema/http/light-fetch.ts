/**
 * Request, Response and Headers for yoga on a server whose requests arrive whole or from node:http
 * (functions/graphql.ts, schema/http/node.ts): what yoga and our plugins use of the Fetch API,
 * without its per-object machinery. Node's own classes cost about 35 us of CPU more per request
 * than these (their WebIDL conversions, header validation and a ReadableStream behind every body),
 * the @whatwg-node ponyfill about 10 us more; a steady-state trackUsage is under 1 ms in all.
 *
 * What they leave out, on purpose:
 * - header names and values are not validated: they come from Node's HTTP parser or API Gateway
 *   (both refuse invalid ones) and from our own code;
 * - a body is read once (text, json, arrayBuffer, formData or the `body` stream), as the Fetch
 *   API's; bodies are strings, bytes or streams (no Blob, FormData or URLSearchParams bodies);
 * - `signal` never aborts: nothing here cancels an execution (yoga's cancellation plugin is off).
 * Any other class of body or response still works: the adapters read a Response through its
 * public methods when it is not a LightResponse (auth.ts answers with Node's own Response).
 */
import { Readable } from "node:stream";

type HeaderSource = HeadersInit | Record<string, string | string[] | undefined> | LightHeaders;

/** Headers by lower-case name, in insertion order; repeated values joined with ", " (Set-Cookie kept apart). */
export class LightHeaders {
  /** Lower-case name -> value. */
  readonly map = new Map<string, string>();
  private cookies: string[] | undefined;

  constructor(init?: HeaderSource) {
    if (!init) return;
    if (init instanceof LightHeaders) {
      for (const [name, value] of init.map) this.map.set(name, value);
      if (init.cookies) this.cookies = [...init.cookies];
    } else if (Array.isArray(init)) {
      for (const [name, value] of init as [string, string][]) this.append(name, value);
    } else if (typeof (init as Headers).forEach === "function") {
      const headers = init as Headers;
      headers.forEach((value, name) => {
        if (name.toLowerCase() !== "set-cookie") this.append(name, value);
      });
      for (const cookie of headers.getSetCookie?.() ?? []) this.append("set-cookie", cookie);
    } else {
      const record = init as Record<string, string | string[] | undefined>;
      for (const name in record) {
        const value = record[name];
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const one of value) this.append(name, one);
        else this.append(name, value);
      }
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const v = normalize(value);
    if (key === "set-cookie") this.cookies = [v];
    this.map.set(key, v);
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const v = normalize(value);
    if (key === "set-cookie") {
      this.cookies ??= [];
      this.cookies.push(v);
    }
    const before = this.map.get(key);
    this.map.set(key, before === undefined ? v : `${before}, ${v}`);
  }
  delete(name: string): void {
    const key = name.toLowerCase();
    if (key === "set-cookie") this.cookies = undefined;
    this.map.delete(key);
  }
  getSetCookie(): string[] {
    return this.cookies ? [...this.cookies] : [];
  }
  forEach(callback: (value: string, name: string, headers: LightHeaders) => void, thisArg?: unknown): void {
    for (const [name, value] of this.map) callback.call(thisArg, value, name, this);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  /** For a node:http response or a Lambda result: one value per name, Set-Cookie as a list. */
  toRecord(): Record<string, string | string[]> {
    const record: Record<string, string | string[]> = Object.fromEntries(this.map);
    if (this.cookies) record["set-cookie"] = [...this.cookies];
    return record;
  }
}

/** The Fetch API strips leading and trailing HTTP whitespace from a header value. */
const normalize = (value: string) => {
  const v = String(value);
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  return first === 32 || first === 9 || last === 32 || last === 9 || first === 10 || last === 10 || last === 13
    ? v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "")
    : v;
};

/** What a body is made of: text, bytes, a web stream, a Node stream (node:http's request), or nothing. */
type Source = string | Uint8Array | ReadableStream<Uint8Array> | Readable | null;

const decoder = new TextDecoder();

function sourceOf(body: unknown): Source {
  if (body === undefined || body === null) return null;
  if (typeof body === "string" || body instanceof Uint8Array || body instanceof Readable) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof (body as ReadableStream).getReader === "function") return body as ReadableStream<Uint8Array>;
  throw new TypeError(`unsupported body type: ${Object.prototype.toString.call(body)}`);
}

async function bytesOf(source: Source): Promise<Uint8Array> {
  if (source === null) return new Uint8Array(0);
  if (typeof source === "string") return Buffer.from(source, "utf8");
  if (source instanceof Uint8Array) return source;
  const chunks: Uint8Array[] = [];
  if (source instanceof Readable) {
    for await (const chunk of source) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  } else {
    const reader = source.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A Node stream read to its end, chunk by chunk (faster than async iteration). */
function textOfReadable(source: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    source.on("data", (chunk: Buffer | string) => chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    source.once("end", () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")),
    );
    source.once("error", reject);
  });
}

/** The body half of a Request or Response: read once, in any of the Fetch API's forms. */
class LightBody {
  private source: Source;
  private used = false;

  constructor(body: unknown) {
    this.source = sourceOf(body);
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  /** The body as it was given, without reading it (the adapters write strings and bytes as they are). */
  get bodySource(): Source {
    return this.source;
  }

  get body(): ReadableStream<Uint8Array> | null {
    const source = this.source;
    if (source === null) return null;
    if (source instanceof Readable) {
      const stream = Readable.toWeb(source) as ReadableStream<Uint8Array>;
      this.source = stream;
      return stream;
    }
    if (typeof source === "string" || source instanceof Uint8Array) {
      const bytes = typeof source === "string" ? Buffer.from(source, "utf8") : source;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
      this.source = stream;
      return stream;
    }
    return source;
  }

  private take(): Source {
    if (this.used) throw new TypeError("Body is unusable: Body has already been read");
    this.used = true;
    return this.source;
  }

  text(): Promise<string> {
    let source: Source;
    try {
      source = this.take();
    } catch (error) {
      return Promise.reject(error);
    }
    if (typeof source === "string") return Promise.resolve(source);
    if (source instanceof Readable) return textOfReadable(source);
    return bytesOf(source).then((bytes) => decoder.decode(bytes));
  }

  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await bytesOf(this.take());
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()]);
  }

  /** Multipart and URL-encoded forms, parsed by Node's own Response (a rare path: yoga's multipart parser). */
  async formData(this: LightBody & { headers: LightHeaders }): Promise<FormData> {
    const bytes = await bytesOf(this.take());
    const init = { headers: { "content-type": this.headers.get("content-type") ?? "" } };
    return new Response(bytes as unknown as BodyInit, init).formData();
  }
}

/** A signal that never aborts, shared: nothing cancels an execution here. */
const NEVER_ABORTED = new AbortController().signal;

export type LightRequestInit = {
  method?: string;
  headers?: HeaderSource;
  body?: unknown;
  signal?: AbortSignal | null;
  duplex?: "half";
};

export class LightRequest extends LightBody {
  readonly url: string;
  readonly method: string;
  readonly headers: LightHeaders;
  readonly signal: AbortSignal;
  readonly redirect = "follow";
  readonly mode = "cors";
  readonly credentials = "same-origin";
  readonly cache = "default";

  constructor(input: string | URL | LightRequest, init: LightRequestInit = {}) {
    const from = input instanceof LightRequest ? input : undefined;
    super(init.body !== undefined ? init.body : from ? from.bodySource : null);
    this.url = from ? from.url : typeof input === "string" ? input : (input as URL).href;
    this.method = (init.method ?? from?.method ?? "GET").toUpperCase();
    this.headers = new LightHeaders(init.headers ?? from?.headers);
    this.signal = init.signal ?? from?.signal ?? NEVER_ABORTED;
  }

  clone(): LightRequest {
    return new LightRequest(this);
  }
}

export type LightResponseInit = { status?: number; statusText?: string; headers?: HeaderSource };

export class LightResponse extends LightBody {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LightHeaders;
  readonly type = "default";
  readonly url = "";
  readonly redirected = false;

  constructor(body?: unknown, init: LightResponseInit = {}) {
    super(body);
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? "";
    this.headers = new LightHeaders(init.headers);
    const source = this.bodySource;
    if (typeof source === "string" && !this.headers.has("content-type"))
      this.headers.set("content-type", "text/plain;charset=UTF-8");
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  clone(): LightResponse {
    return new LightResponse(this.bodySource, this);
  }

  static json(data: unknown, init: LightResponseInit = {}): LightResponse {
    const headers = new LightHeaders(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new LightResponse(JSON.stringify(data), { ...init, headers });
  }

  static error(): LightResponse {
    return new LightResponse(null, { status: 0 });
  }

  static redirect(url: string | URL, status = 302): LightResponse {
    return new LightResponse(null, { status, headers: { location: String(url) } });
  }
}

/**
 * Yoga's fetchAPI with these classes; the rest (URL, streams, FormData, Blob, TextEncoder, crypto)
 * Node's own.
 */
export const lightFetchAPI = {
  Request: LightRequest,
  Response: LightResponse,
  Headers: LightHeaders,
  fetch: globalThis.fetch,
  ReadableStream: globalThis.ReadableStream,
  WritableStream: globalThis.WritableStream,
  TransformStream: globalThis.TransformStream,
  FormData: globalThis.FormData,
  Blob: globalThis.Blob,
  File: globalThis.File,
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  crypto: globalThis.crypto,
  btoa: globalThis.btoa,
} as unknown as Record<string, unknown>;

/** A response's status, headers and body as text, whichever class it is. */
export async function readResponse(
  response: Response | LightResponse,
): Promise<{ status: number; statusText: string; headers: Record<string, string | string[]>; body: string }> {
  if (response instanceof LightResponse) {
    const source = response.bodySource;
    const body = typeof source === "string" ? source : await response.text();
    return { status: response.status, statusText: response.statusText, headers: response.headers.toRecord(), body };
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length) headers["set-cookie"] = cookies;
  return { status: response.status, statusText: response.statusText, headers, body: await response.text() };
}
