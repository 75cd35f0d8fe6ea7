/**
 * The web apps' infrastructure (stacks/web.ts), evaluated offline: a function of its own with no
 * permission, no link and no environment beyond the defaults, the built apps copied beside its
 * bundle, and only GET routes under each app's path on the API's gateway (one origin with /graphql).
 */
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { WEB_APPS, WEB_DIST } from "../../web/apps";
import { evaluateConfig, refOf, type Evaluation } from "./sst-fakes";

let evaluation: Evaluation;
beforeAll(async () => {
  evaluation = await evaluateConfig("production");
});

const web = () => evaluation.components.find((c) => c.kind === "sst.aws.Function" && c.name === "Web")!;

describe("stacks/web.ts", () => {
  it("serves the apps from a function with no permission, link or secret", () => {
    const fn = web();
    expect(fn.args.handler).toBe("functions/web.handler");
    expect(fn.args.permissions).toBeUndefined();
    expect(fn.args.link).toBeUndefined();
    expect(fn.args.environment).toBeUndefined();
    expect(fn.args.runtime).toBe("nodejs22.x");
  });

  it("builds the apps when evaluated and copies them beside the bundle, where functions/web.ts reads them", () => {
    expect(web().args.copyFiles).toEqual([{ from: WEB_DIST, to: "web" }]);
    for (const app of WEB_APPS) expect(existsSync(`${WEB_DIST}/${app.name}/index.html`), app.name).toBe(true);
  });

  it("routes only GET requests for each app's path to it, on the API's gateway", () => {
    const api = evaluation.components.find((c) => c.kind === "sst.aws.ApiGatewayV2")!;
    const routes = api.calls
      .filter((c) => c.method === "route" && String(refOf(c.args[1])) === "${Web.arn}")
      .map((c) => c.args[0]);
    expect(routes).toEqual(WEB_APPS.flatMap((app) => [`GET /${app.name}`, `GET /${app.name}/{path+}`]));
  });
});
