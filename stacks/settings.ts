/**
 * What differs between the production stage and every other stage, and the Lambda settings all
 * functions share. sst.config.ts's app() applies the same production rule to removal/protect.
 */
import { parseGracePeriod } from "../core/periods/grace-period";

export const isProduction = $app.stage === "production";

/** Production bills in real time; other stages run the stored test clock that `advanceClock` moves. */
export const clockMode = isProduction ? "real" : "test";

/**
 * BILLING_GRACE_PERIOD at deploy time (ISO-8601, at most P3D; default PT0S): how long after a period
 * ends late usage is still booked into it. The GraphQL function (lazy closes, late tracks) and the
 * sweeper must agree on it, so both get it from here; a bad value fails the deploy, not a cold start.
 */
const gracePeriod = process.env.BILLING_GRACE_PERIOD?.trim();
if (gracePeriod) parseGracePeriod(gracePeriod);
export const gracePeriodEnvironment: Record<string, string> = gracePeriod ? { BILLING_GRACE_PERIOD: gracePeriod } : {};

export const logRetention: SstLogRetention = isProduction ? "3 months" : "1 week";

/**
 * Node 22 on Graviton, bundled by SST's esbuild as minified ESM. The AWS SDK is bundled too
 * (SST's default, nothing marked external): the functions run the exact SDK version the tests
 * ran, not whichever v3 release the Lambda runtime ships. Code splitting: what is only imported
 * dynamically (the SSM and EventBridge clients, the SDK's other credential providers) is a chunk
 * of its own, loaded when first used, so a cold start loads less. scripts/build-functions.ts
 * builds the same way to check that each bundle builds, loads and stays small. Names are not kept
 * (SST keeps them by default): no code here reads a function's or class's `name` (scripts/build-functions.ts).
 */
export const lambdaDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  logging: { retention: logRetention },
  nodejs: {
    format: "esm",
    minify: true,
    splitting: true,
    esbuild: { keepNames: false },
    // scripts/build-functions.ts's BUNDLE_PLUGINS_FILE: what the bundles load lazily stays lazy.
    plugins: "stacks/bundle-plugins.mjs",
  },
} satisfies Partial<sst.aws.FunctionArgs>;
