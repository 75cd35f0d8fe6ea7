import { defineConfig } from "vitest/config";

export default defineConfig({
  // One graphql for everything: Vite would otherwise load its ESM build for our sources while
  // Pothos and yoga load the CommonJS one, and GraphQLError checks would fail across the two.
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts", "client/test/**/*.test.ts", "mcp/test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
