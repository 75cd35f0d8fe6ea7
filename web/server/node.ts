/**
 * The web apps in front of another node:http listener (the API): requests for a web app's path
 * are answered from the assets, everything else goes to `next`. Used by `npm start` and the test
 * server; the Lambda has its own adapter (functions/web.ts).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { WebAssets } from "./assets";
import { isWebPath, webResponse } from "./respond";

export function withWebApps(assets: WebAssets, next: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    if (!isWebPath(pathname)) return next(request, response);
    const answer = webResponse(assets, {
      method: request.method ?? "GET",
      pathname,
      acceptEncoding: request.headers["accept-encoding"],
    })!;
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  };
}
