/**
 * The wire transport's SigV4 signer (core/db/wire/sigv4.ts) against AWS's published vectors: the
 * signing-key derivation example of the SigV4 documentation, the get-vanilla and post-vanilla cases
 * of AWS's SigV4 test suite, and a DynamoDB request with a session token as the SDK's own signer
 * (@smithy/signature-v4) signs it.
 */
import { createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { amzDate, authorization, FixedSigner, signingKey } from "../../../core/db/wire/sigv4";
import { WireTransport } from "../../../core/db/wire/transport";

const EXAMPLE = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

describe("SigV4", () => {
  it("derives the documented signing key (secret, 20120215, us-east-1, iam)", () => {
    expect(signingKey(EXAMPLE.secretAccessKey, "20120215", "us-east-1", "iam").toString("hex")).toBe(
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
    );
  });

  it("signs the test suite's get-vanilla and post-vanilla requests", () => {
    const vanilla = (method: string) =>
      authorization({
        method,
        path: "/",
        headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" },
        body: "",
        amzDate: "20150830T123600Z",
        region: "us-east-1",
        service: "service",
        credentials: EXAMPLE,
      });
    const prefix =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";
    expect(vanilla("GET")).toBe(`${prefix}5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`);
    expect(vanilla("POST")).toBe(`${prefix}5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`);
  });

  it("signs a DynamoDB GetItem with a session token as the SDK's signer does", () => {
    const headers = {
      "content-type": "application/x-amz-json-1.0",
      host: "dynamodb.eu-west-1.amazonaws.com",
      "x-amz-target": "DynamoDB_20120810.GetItem",
      "x-amz-date": "20261130T201536Z",
      "x-amz-security-token": "TOKEN/x+y=",
    };
    const signed = authorization({
      method: "POST",
      path: "/",
      headers,
      body: JSON.stringify({ TableName: "t", Key: { pk: { S: "a b" } }, ConsistentRead: true }),
      amzDate: "20261130T201536Z",
      region: "eu-west-1",
      service: "dynamodb",
      credentials: { ...EXAMPLE, sessionToken: "TOKEN/x+y=" },
    });
    // @smithy/signature-v4 3.x, signingDate 2026-11-30T20:15:36Z, the same headers and body.
    expect(signed).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=f141844c04c1c07319ab5561fa196bc7048f5d0a944f665f261a546867f97ed9",
    );
  });

  it("writes the request time in SigV4's basic format", () => {
    expect(amzDate(new Date("2015-08-30T12:36:00.999Z"))).toBe("20150830T123600Z");
  });

  it("signs with its fixed parts precomputed exactly as authorization does, across a change of day", () => {
    const credentials = { ...EXAMPLE, sessionToken: "TOKEN/x+y=" };
    const headers = {
      "content-type": "application/x-amz-json-1.0",
      host: "dynamodb.eu-west-1.amazonaws.com",
      "x-amz-target": "DynamoDB_20120810.GetItem",
      "x-amz-security-token": "TOKEN/x+y=",
    };
    const signer = new FixedSigner("POST", "/", headers, "eu-west-1", "dynamodb", credentials);
    const body = JSON.stringify({ TableName: "t", Key: { pk: { S: "a b" } }, ConsistentRead: true });
    for (const date of ["20261130T201536Z", "20261130T235959Z", "20261201T000001Z"]) {
      const expected = authorization({
        method: "POST",
        path: "/",
        headers: { ...headers, "x-amz-date": date },
        body,
        amzDate: date,
        region: "eu-west-1",
        service: "dynamodb",
        credentials,
      });
      expect(signer.sign(date, body)).toBe(expected);
    }
    expect(signer.sign("20261130T201536Z", body)).toMatch(
      /Signature=f141844c04c1c07319ab5561fa196bc7048f5d0a944f665f261a546867f97ed9$/,
    );
  });

  it("sends the request head it always sent: the headers in their order, signed by authorization", async () => {
    const heads: string[] = [];
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        const end = text.indexOf("\r\n\r\n");
        const length = Number(/content-length: (\d+)/.exec(text)?.[1]);
        if (end === -1 || text.length < end + 4 + length) return;
        heads.push(text.slice(0, end + 4 + length));
        text = text.slice(end + 4 + length);
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      let credentials = { ...EXAMPLE, sessionToken: "TOKEN/x+y=" };
      const wire = new WireTransport({
        endpoint: `http://127.0.0.1:${port}`,
        region: "eu-west-1",
        credentials: () => credentials,
        retryStrategy: async () => ({
          acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
          refreshRetryTokenForRetry: async () => {
            throw new Error("no retries here");
          },
          recordSuccess: () => undefined,
        }),
      });
      const input = { TableName: "t", Key: { pk: { S: "a é" } }, ConsistentRead: true };
      await wire.call("GetItem", input, (i) => i);
      credentials = { ...EXAMPLE, secretAccessKey: "rotated" } as typeof credentials; // no token now
      await wire.call("GetItem", input, (i) => i);
      expect(heads).toHaveLength(2);
      for (const [i, sent] of heads.entries()) {
        const creds = i === 0 ? { ...EXAMPLE, sessionToken: "TOKEN/x+y=" } : { ...EXAMPLE, secretAccessKey: "rotated" };
        const date = /x-amz-date: (\d{8}T\d{6}Z)/.exec(sent)![1]!;
        const body = JSON.stringify(input);
        const headers: Record<string, string> = {
          "content-type": "application/x-amz-json-1.0",
          host: `127.0.0.1:${port}`,
          "x-amz-date": date,
          "x-amz-target": "DynamoDB_20120810.GetItem",
          ...("sessionToken" in creds ? { "x-amz-security-token": creds.sessionToken } : {}),
        };
        const signed = authorization({
          method: "POST",
          path: "/",
          headers,
          body,
          amzDate: date,
          region: "eu-west-1",
          service: "dynamodb",
          credentials: creds,
        });
        let expected = "POST / HTTP/1.1\r\n";
        for (const [name, value] of Object.entries({ ...headers, authorization: signed }))
          expected += `${name}: ${value}\r\n`;
        expected += `content-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n`;
        expect(sent).toBe(Buffer.from(expected + body).toString("latin1"));
      }
    } finally {
      for (const socket of sockets) socket.destroy(); // the transport keeps its connection alive
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
