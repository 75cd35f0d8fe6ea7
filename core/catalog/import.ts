/**
 * Importing a models.dev-shaped feed: parse (exact, see feed.ts) -> check it is not partial against
 * what is stored -> upsert only the models whose name or prices changed. A rejected feed throws
 * `FeedRejectedError` before anything is written. Models missing from a feed are kept (a company's
 * own models, and models a provider dropped that clients may still send), never deleted.
 * Recorded usage events carry their own unit prices, so a price change never alters them.
 */
import { readFile } from "node:fs/promises";
import type { Deps } from "../deps";
import { hasAnyModel, listModels, upsertModels } from "../db/ai-models";
import { assertComplete, parseFeed, type SkippedModel } from "./feed";
import { forgetModelIds } from "./resolve";

export type ImportSummary = { added: number; changed: number; unchanged: number; skipped: SkippedModel[] };
export type ImportOptions = {
  log?: (line: string) => void;
  /** Accept a feed much smaller than the stored catalog (e.g. a deliberate switch of source). */
  force?: boolean;
};

/** The catalog shipped with the project: models.dev (MIT), data as of 2026-07-02. */
export const SNAPSHOT_URL = new URL("../../data/models-dev-snapshot.json", import.meta.url);

export async function importCatalog(deps: Deps, feedText: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const log = options.log ?? (() => {});
  const { models, skipped } = parseFeed(feedText, { updatedAt: (await deps.clock.now()).toISOString() });
  if (!options.force) {
    const stored = await listModels(deps.db);
    assertComplete(models, { providers: new Set(stored.map((m) => m.provider)).size, models: stored.length });
  }
  const result = await upsertModels(deps.db, models);
  forgetModelIds(deps.db.table);

  const providers = [...new Set([...models.map((m) => m.provider), ...skipped.map((s) => s.id.split("/")[0]!)])].sort();
  const ofProvider = (ids: string[], provider: string) => ids.filter((id) => id.startsWith(`${provider}/`)).length;
  for (const provider of providers) {
    const skips = skipped.filter((s) => s.id.startsWith(`${provider}/`)).length;
    log(
      `${provider}: ${ofProvider(result.added, provider)} added, ${ofProvider(result.changed, provider)} changed, ` +
        `${ofProvider(result.unchanged, provider)} unchanged, ${skips} skipped`,
    );
  }
  for (const skip of skipped) log(`skipped ${skip.id}: ${skip.reason}`);
  const summary = {
    added: result.added.length,
    changed: result.changed.length,
    unchanged: result.unchanged.length,
    skipped,
  };
  log(
    `catalog: ${models.length} models from ${providers.length} providers: ${summary.added} added, ` +
      `${summary.changed} changed, ${summary.unchanged} unchanged, ${skipped.length} skipped`,
  );
  return summary;
}

/** Loads the shipped snapshot into an empty catalog (`npm start`); returns undefined if models exist. */
export async function loadSnapshotIfEmpty(deps: Deps, options: ImportOptions = {}): Promise<ImportSummary | undefined> {
  if (await hasAnyModel(deps.db)) return undefined;
  return importCatalog(deps, await readFile(SNAPSHOT_URL, "utf8"), options);
}
