/**
 * The web apps (the operator console at /console, the customer portal at /portal), served by a small function of their own on the
 * API's gateway, so the pages and /graphql share one origin: the pages' CSP allows `connect-src
 * 'self'` and no CORS is needed. A function rather than S3 + CloudFront: nothing else to deploy or
 * invalidate, no second origin, and the same Content-Security-Policy code as `npm start`
 * (web/server/respond.ts). The function has no permission and no secret: it returns files.
 *
 * The apps are built here, when the stack is evaluated, from the code being deployed (esbuild,
 * under a second), and copied beside the function's bundle. Sizes: the console's JavaScript is
 * about 20 KB gzipped, far inside Lambda's 6 MB response and 50 MB package limits.
 */
import { WEB_APPS, WEB_DIST } from "../web/apps";
import { buildWeb } from "../web/build";
import { api } from "./api";
import { lambdaDefaults } from "./settings";

await buildWeb();

export const web = new sst.aws.Function("Web", {
  ...lambdaDefaults,
  handler: "functions/web.handler",
  description: "Web apps: the operator console and the customer portal",
  memory: "256 MB",
  timeout: "10 seconds",
  copyFiles: [{ from: WEB_DIST, to: "web" }],
});

for (const app of WEB_APPS) {
  api.route(`GET /${app.name}`, web.arn);
  api.route(`GET /${app.name}/{path+}`, web.arn);
}
