/**
 * The web apps the deployment serves, each under its own path on the API's origin: the operator
 * console at /console and the customer portal at /portal. The build (web/build.ts),
 * the server (web/server/) and the budget test read this one list, so a second app is one entry.
 */
export type WebApp = {
  /** Also the URL path prefix (`/<name>`) and the folder under the build's output. */
  name: string;
  /** The browser entry point (TypeScript + JSX, Preact). */
  entry: string;
  /** The page's <title>. */
  title: string;
  /** The most JavaScript it may ship, gzipped (issue 19: the console under 150 KB). */
  jsBudgetGzipBytes: number;
};

export const WEB_APPS: readonly WebApp[] = [
  { name: "console", entry: "web/console/main.tsx", title: "Billing console", jsBudgetGzipBytes: 150 * 1024 },
  // The customer portal: under 100 KB.
  { name: "portal", entry: "web/portal/main.tsx", title: "Billing", jsBudgetGzipBytes: 100 * 1024 },
];

/** Where `npm start`, the tests and the deploy put the built apps (git-ignored: built, never committed). */
export const WEB_DIST = "dist/web";
