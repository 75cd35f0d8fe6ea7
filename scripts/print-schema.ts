/**
 * Prints the GraphQL schema built from the code to schema.graphql, and regenerates the client's
 * types from it (client/src/generated.ts, client/scripts/generate-types.ts; with core/errors.ts's
 * codes and core/validation.ts's ID pattern); with --check, fails when either committed file
 * differs (CI runs this, so the committed contract is always the real one).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { generateClientTypes } from "../client/scripts/generate-types";
import { ErrorCode } from "../core/errors";
import { ID_PATTERN } from "../core/validation";
import { schema } from "../schema/index";

const sorted = lexicographicSortSchema(schema);
const files = [
  { path: new URL("../schema.graphql", import.meta.url), name: "schema.graphql", text: `${printSchema(sorted)}\n` },
  {
    path: new URL("../client/src/generated.ts", import.meta.url),
    name: "client/src/generated.ts",
    text: generateClientTypes({
      schema: sorted,
      operations: readFileSync(new URL("../client/src/operations.graphql", import.meta.url), "utf8"),
      errorCodes: Object.values(ErrorCode),
      idPattern: ID_PATTERN,
    }),
  },
];

if (process.argv.includes("--check")) {
  const stale = files.filter((file) => {
    try {
      return readFileSync(file.path, "utf8") !== file.text;
    } catch {
      return true; // missing
    }
  });
  if (stale.length) {
    console.error(`${stale.map((f) => f.name).join(" and ")} out of date: run \`npm run schema:print\` and commit.`);
    process.exit(1);
  }
  console.log("schema.graphql and the client's generated types match the code.");
} else {
  for (const file of files) {
    writeFileSync(file.path, file.text);
    console.log(`wrote ${file.name}`);
  }
}
