// What our code imports from "@smithy/core/retry", from the files that define it (stacks/bundle-plugins.mjs).
export {
  isServerError,
  isThrottlingError,
  isTransientError,
} from "../../node_modules/@smithy/core/dist-es/submodules/retry/service-error-classification/service-error-classification.js";
export { resolveRetryConfig } from "../../node_modules/@smithy/core/dist-es/submodules/retry/middleware-retry/configurations.js";
export { DEFAULT_RETRY_MODE } from "../../node_modules/@smithy/core/dist-es/submodules/retry/util-retry/config.js";
export { Retry } from "../../node_modules/@smithy/core/dist-es/submodules/retry/util-retry/retries-2026-config.js";
