/**
 * Which of the optional API operations (optional-operations.ts) exist, as the build read them from
 * schema.graphql (esbuild's define). An app shows an action whose operation is still being built
 * elsewhere only when `hasOperation` says the API has it; the names are the API contract's.
 */
import type { OptionalOperation } from "./optional-operations";

declare const __API_OPERATIONS__: readonly string[] | undefined;

const available = new Set<string>(typeof __API_OPERATIONS__ === "undefined" ? [] : __API_OPERATIONS__);

export function hasOperation(name: OptionalOperation): boolean {
  return available.has(name);
}
