/**
 * The API's operations (Query and Mutation fields) as schema.graphql prints them, for the build to
 * tell the web apps which ones exist. The console offers an action whose operation is being built
 * elsewhere (granting credits, a plan change preview, a portal link) only when the API it is built
 * with has it: the apps and the API are built from the same commit, so this is the deployed API.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse } from "graphql";
import { OPTIONAL_OPERATIONS } from "./shared/optional-operations";

export { OPTIONAL_OPERATIONS };

export function apiOperations(schemaText: string): string[] {
  const names = new Set<string>();
  for (const definition of parse(schemaText).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    if (definition.name.value !== "Query" && definition.name.value !== "Mutation") continue;
    for (const field of definition.fields ?? []) names.add(field.name.value);
  }
  return [...names].sort();
}

/** The operations of the repository's printed schema (`npm run schema:print` keeps it true). */
export function repositoryApiOperations(root: string): string[] {
  return apiOperations(readFileSync(join(root, "schema.graphql"), "utf8"));
}

/**
 * Which of the optional operations (shared/optional-operations.ts) the repository's API has. Only
 * these are passed to the bundle: the public script need not list the whole API.
 */
export function availableOptionalOperations(root: string): string[] {
  const present = new Set(repositoryApiOperations(root));
  return OPTIONAL_OPERATIONS.filter((name) => present.has(name));
}
