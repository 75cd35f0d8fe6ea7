// What the exceptions' base class and the retry configuration import from "@smithy/core/client", from
// the files that define it (stacks/bundle-plugins.mjs).
export { ServiceException } from "../../node_modules/@smithy/core/dist-es/submodules/client/smithy-client/exceptions.js";
export { normalizeProvider } from "../../node_modules/@smithy/core/dist-es/submodules/transport/normalizeProvider.js";
