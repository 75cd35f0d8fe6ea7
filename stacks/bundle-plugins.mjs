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
 * core/db/table.ts, which no function loads) keep the index. Under Node (tests, the local server)
 * nothing is redirected.
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
