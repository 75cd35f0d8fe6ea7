/** The AI model catalog snapshot (data/) loaded into an empty store, summed up in one log line. */
import { loadSnapshotIfEmpty } from "../../core/catalog/import";
import type { Deps } from "../../core/deps";

export async function loadCatalogSnapshot(deps: Deps, log: (line: string) => void): Promise<void> {
  const lines: string[] = [];
  const catalog = await loadSnapshotIfEmpty(deps, { log: (line) => lines.push(line) });
  if (catalog) log(lines.at(-1) ?? `catalog: ${catalog.added} models loaded`);
}
