/**
 * The web apps' Lambda (the console at /console): API Gateway HTTP API (payload v2) events in,
 * the built files out, with the pages' Content-Security-Policy (web/server/respond.ts). It shares
 * the API's origin through the same API Gateway, so the pages call /graphql as 'self' with no CORS.
 * It holds no secret and has no permission: static files only (stacks/web.ts).
 *
 * The files are copied beside the bundle at deploy (stacks/web.ts's copyFiles, built by the same
 * stack) and read once per container, on its first request. Bodies are base64, gzipped when the browser accepts it.
 */
import { join } from "node:path";
import { loadWebAssets, type WebAssets } from "../web/server/assets";
import { webResponse } from "../web/server/respond";
import type { HttpApiEvent, HttpApiResult } from "./graphql";

/** Where stacks/web.ts copies the built apps: `web/` at the root of the function's package. */
const dir = process.env.BILLING_WEB_DIR ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), "web");
let assets: WebAssets | undefined;

export async function handler(event: HttpApiEvent): Promise<HttpApiResult> {
  assets ??= loadWebAssets(dir);
  const answer = webResponse(assets, {
    method: event.requestContext.http.method,
    pathname: event.rawPath,
    acceptEncoding: event.headers?.["accept-encoding"],
  }) ?? { status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: Buffer.from("not found\n") };
  // API Gateway sets Content-Length from the decoded body.
  const { "content-length": _length, ...headers } = answer.headers;
  return {
    statusCode: answer.status,
    headers,
    body: answer.body.toString("base64"),
    isBase64Encoded: true,
  };
}
