/**
 * Which API operations exist, as the build read them from schema.graphql (web/api-operations.ts,
 * esbuild's define). An app shows an action whose operation is still being built elsewhere only
 * when `hasOperation` says the API has it; the names are the binding ones of the API's contract.
 */
declare const __API_OPERATIONS__: readonly string[] | undefined;

const available = new Set<string>(typeof __API_OPERATIONS__ === "undefined" ? [] : __API_OPERATIONS__);

export function hasOperation(name: string): boolean {
  return available.has(name);
}
