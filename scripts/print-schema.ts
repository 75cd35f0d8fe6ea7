/**
 * Prints the GraphQL schema built from the code to schema.graphql; with --check, fails when the
 * committed file differs (CI runs this, so the committed contract is always the real one).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "../schema/index";

const path = new URL("../schema.graphql", import.meta.url);
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(path, "utf8");
  } catch {
    // missing: reported below as a difference
  }
  if (committed !== printed) {
    console.error("schema.graphql is out of date: run `npm run schema:print` and commit it.");
    process.exit(1);
  }
  console.log("schema.graphql matches the code.");
} else {
  writeFileSync(path, printed);
  console.log("wrote schema.graphql");
}
