import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` (everything but the browser: unit, integration, GraphQL over HTTP, infra)
 * and `browser` (test/browser: Chromium driven by playwright-core against the real server, with
 * the web apps built once for the run). `npm test` runs both; `npm run test:browser` the second alone.
 */
export default defineConfig({
  // One graphql for everything: Vite would otherwise load its ESM build for our sources while
  // Pothos and yoga load the CommonJS one, and GraphQLError checks would fail across the two.
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default on a 2-core machine is one fork, which leaves a core idle while tests wait on
    // DynamoDB Local: the files are isolated (each its own table), so two forks run them side by side.
    maxWorkers: 2,
    minWorkers: 1,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "client/test/**/*.test.ts", "mcp/test/**/*.test.ts"],
          exclude: ["test/browser/**", "**/node_modules/**"],
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/dynamo-lease.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts", "test/support/browser-setup.ts"],
          setupFiles: ["test/support/dynamo-lease.ts"],
        },
      },
    ],
  },
});
