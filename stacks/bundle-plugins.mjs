/**
 * esbuild plugins of the Lambda bundles, in SST's form (a module whose default export is the list;
 * stacks/settings.ts `nodejs.plugins`) and given to esbuild by scripts/build-functions.ts too.
 *
 * dynamodbExceptions: our code imports the SDK's exception classes (`instanceof
 * TransactionCanceledException`, the wire transport's errors) from "@aws-sdk/client-dynamodb".
 * Bundled with code splitting, an import of that package's index makes esbuild load the whole
 * client (its chunk holds DynamoDBClient, its credential chain, @smithy/core: about 180 KB) at a
 * cold start, although only core/db/sdk.ts, loaded lazily, uses it. So in the bundles our files'
 * imports of the package go to the modules that define the exceptions, the same files the SDK's
 * own index re-exports: the same classes, so `instanceof` decides as before. core/db/sdk.ts (and
 * core/db/table.ts, which no function loads) keep the index. For the same reason our imports of
 * "@smithy/core/retry" (the wire transport's retry strategy and error classification) and the
 * exceptions' own import of "@smithy/core/client" (their base class) go to the files that define
 * what they use (./bundle/smithy-*.mjs): through the packages' indexes, esbuild's chunks would
 * load the SDK's protocol code too (about 80 KB). Under Node (tests, the local server) nothing is
 * redirected.
 *
 * nativeFetch: graphql-yoga and @whatwg-node/server take their fetch classes from
 * @whatwg-node/fetch, whose Node build is a ponyfill of its own (@whatwg-node/node-fetch with
 * @fastify/busboy and urlpattern-polyfill, 94 KB). A Lambda builds one Request per event and
 * reads one Response (functions/graphql.ts), which Node's own classes do; the bundles get
 * ./bundle/native-fetch.mjs instead, and functions/graphql.ts gives yoga Node's classes
 * explicitly, so its tests (test/functions/graphql-lambda.test.ts) run what the Lambda runs.
 */
import { fileURLToPath } from "node:url";

const exceptions = fileURLToPath(new URL("./bundle/dynamodb-exceptions.mjs", import.meta.url));
const nativeFetchShim = fileURLToPath(new URL("./bundle/native-fetch.mjs", import.meta.url));
const smithyRetry = fileURLToPath(new URL("./bundle/smithy-retry.mjs", import.meta.url));
const smithyClient = fileURLToPath(new URL("./bundle/smithy-client.mjs", import.meta.url));
/** The SDK's files that need only ./bundle/smithy-client.mjs's part of "@smithy/core/client". */
const LEAN_CLIENT_IMPORTERS =
  /node_modules[\\/]@(aws-sdk[\\/]client-dynamodb[\\/]dist-es[\\/]models[\\/]DynamoDBServiceException|smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]retry[\\/]middleware-retry[\\/]configurations)\.js$/;
const KEEP_INDEX = /[\\/]core[\\/]db[\\/](sdk|table)\.ts$/;

/** @type {import("esbuild").Plugin} */
export const dynamodbExceptions = {
  name: "dynamodb-exceptions",
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-dynamodb$/ }, (args) => {
      if (!args.importer || /[\\/]node_modules[\\/]/.test(args.importer) || KEEP_INDEX.test(args.importer))
        return undefined;
      return { path: exceptions };
    });
    build.onResolve({ filter: /^@smithy\/core\/retry$/ }, (args) =>
      args.importer && !/[\\/]node_modules[\\/]/.test(args.importer) ? { path: smithyRetry } : undefined,
    );
    build.onResolve({ filter: /^@smithy\/core\/client$/ }, (args) =>
      LEAN_CLIENT_IMPORTERS.test(args.importer ?? "") ? { path: smithyClient } : undefined,
    );
  },
};

/** @type {import("esbuild").Plugin} */
export const nativeFetch = {
  name: "native-fetch",
  setup(build) {
    build.onResolve({ filter: /^@whatwg-node\/fetch$/ }, () => ({ path: nativeFetchShim }));
  },
};

export default [dynamodbExceptions, nativeFetch];
