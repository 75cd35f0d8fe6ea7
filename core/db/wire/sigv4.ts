/**
 * AWS Signature Version 4 for a POST of a JSON body, by hand with node:crypto: the few HMACs the
 * SDK's signer computes, without its request cloning, header normalizing and async hops. The
 * signing key (four chained HMACs of the secret) changes only with the day, region and service,
 * so it is derived once per (secret, day, region, service) and kept.
 */
import * as crypto from "node:crypto";
import { createHash, createHmac } from "node:crypto";

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export type SigningRequest = {
  method: string;
  path: string;
  /** Every header to sign, names in lower case (host and x-amz-date included). */
  headers: Record<string, string>;
  body: string;
  /** The request time, `YYYYMMDDTHHMMSSZ` (the `x-amz-date` header's value). */
  amzDate: string;
  region: string;
  service: string;
  credentials: Credentials;
};

const keys = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"). */
export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${secret}\n${day}\n${region}\n${service}`;
  let key = keys.get(id);
  if (!key) {
    const kDate = createHmac("sha256", `AWS4${secret}`).update(day).digest();
    const kRegion = createHmac("sha256", kDate).update(region).digest();
    const kService = createHmac("sha256", kRegion).update(service).digest();
    key = createHmac("sha256", kService).update("aws4_request").digest();
    if (keys.size >= 16) keys.clear(); // a new day or rotated credentials: the old keys are done
    keys.set(id, key);
  }
  return key;
}

/** Node's one-shot hash where it has one (20.12+): no Hash object per call. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha256 = oneShot
  ? (text: string) => oneShot("sha256", text, "hex")
  : (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The `Authorization` header's value for `request` (no query string: DynamoDB's POST to "/"). */
export function authorization(request: SigningRequest): string {
  const names = Object.keys(request.headers).sort();
  let canonicalHeaders = "";
  for (const name of names) canonicalHeaders += `${name}:${request.headers[name]!.trim().replace(/\s+/g, " ")}\n`;
  const signedHeaders = names.join(";");
  const canonicalRequest = `${request.method}\n${request.path}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256(request.body)}`;
  const day = request.amzDate.slice(0, 8);
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${request.amzDate}\n${scope}\n${sha256(canonicalRequest)}`;
  const key = signingKey(request.credentials.secretAccessKey, day, request.region, request.service);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/** `date` as SigV4's basic ISO 8601 time, e.g. 20150830T123600Z. */
export function amzDate(date: Date): string {
  const iso = date.toISOString(); // 2015-08-30T12:36:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * A signer for a request whose method, path and signed headers are fixed except `x-amz-date`
 * (the wire transport's POSTs: one per operation, host and credentials). What `authorization`
 * computes per request from those (the sorted names, the canonical header lines, the scope, the
 * header's prefix) is computed once here, so a request costs its two SHA-256 and one HMAC only.
 * The value is the same string `authorization` gives (test/unit/db/sigv4.test.ts).
 */
export class FixedSigner {
  /** The canonical request up to the date's value, and from after it to the payload hash. */
  private readonly beforeDate: string;
  private readonly afterDate: string;
  private readonly signedHeaders: string;
  private day = "";
  private scope = "";
  private prefix = "";
  private key: Buffer | undefined;

  constructor(
    method: string,
    path: string,
    /** Every signed header but x-amz-date, names in lower case. */
    headers: Record<string, string>,
    private readonly region: string,
    private readonly service: string,
    readonly credentials: Credentials,
  ) {
    const names = [...Object.keys(headers), "x-amz-date"].sort();
    const line = (name: string) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`;
    const at = names.indexOf("x-amz-date");
    this.signedHeaders = names.join(";");
    this.beforeDate = `${method}\n${path}\n\n${names.slice(0, at).map(line).join("")}x-amz-date:`;
    this.afterDate = `\n${names
      .slice(at + 1)
      .map(line)
      .join("")}\n${this.signedHeaders}\n`;
  }

  /** The `Authorization` header's value for `body` sent at `amzDate` (`YYYYMMDDTHHMMSSZ`). */
  sign(amzDate: string, body: string): string {
    const day = amzDate.slice(0, 8);
    if (day !== this.day) {
      this.day = day;
      this.scope = `${day}/${this.region}/${this.service}/aws4_request`;
      this.prefix = `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${this.scope}, SignedHeaders=${this.signedHeaders}, Signature=`;
      this.key = signingKey(this.credentials.secretAccessKey, day, this.region, this.service);
    }
    const canonicalRequest = this.beforeDate + amzDate + this.afterDate + sha256(body);
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${this.scope}\n${sha256(canonicalRequest)}`;
    return this.prefix + createHmac("sha256", this.key!).update(stringToSign, "utf8").digest("hex");
  }
}
