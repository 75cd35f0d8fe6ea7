/**
 * Importing a models.dev-shaped feed: parse (exact, see feed.ts) -> check it is not partial against
 * what is stored -> review each model (review.ts: pinned prices kept, absurd or suspicious prices
 * held, the last good price staying) -> write only the added and changed models. A rejected feed
 * throws `FeedRejectedError` before anything is written. Models missing from a feed are kept (a
 * company's own models, and models a provider dropped that clients may still send), never deleted.
 * Recorded usage events carry their own unit prices, so a price change never alters them.
 */
import { readFile } from "node:fs/promises";
import type { Deps } from "../deps";
import { hasAnyModel, listModels, putModels } from "../db/ai-models";
import { assertComplete, parseFeed, type SkippedModel } from "./feed";
import { forgetModelIds } from "./resolve";
import { planImport, type HeldChange } from "./review";

export type ImportSummary = {
  added: number;
  changed: number;
  unchanged: number;
  skipped: SkippedModel[];
  /** Price changes not written (the last good price stays), with the reason. */
  held: HeldChange[];
  /** Models the feed lists whose price an operator pinned (kept). */
  pinned: number;
};
export type ImportOptions = {
  log?: (line: string) => void;
  /** Accept a feed much smaller than the stored catalog (e.g. a deliberate switch of source). */
  force?: boolean;
  /** Write suspicious price changes too (zero prices, moves over 2x); absurd prices stay refused. */
  acceptPriceChanges?: boolean;
};

/** The catalog shipped with the project: models.dev (MIT), data as of 2026-07-02. */
export const SNAPSHOT_URL = new URL("../../data/models-dev-snapshot.json", import.meta.url);

export async function importCatalog(deps: Deps, feedText: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const log = options.log ?? (() => {});
  const { models, skipped } = parseFeed(feedText, { updatedAt: (await deps.clock.now()).toISOString() });
  const stored = await listModels(deps.db);
  if (!options.force) {
    assertComplete(models, { providers: new Set(stored.map((m) => m.provider)).size, models: stored.length });
  }
  const plan = planImport(stored, models, { acceptPriceChanges: options.acceptPriceChanges });
  await putModels(deps.db, plan.write);
  forgetModelIds(deps.db.table);

  const providers = [...new Set([...models.map((m) => m.provider), ...skipped.map((s) => s.id.split("/")[0]!)])].sort();
  const ofProvider = (ids: string[], provider: string) => ids.filter((id) => id.startsWith(`${provider}/`)).length;
  for (const provider of providers) {
    const skips = skipped.filter((s) => s.id.startsWith(`${provider}/`)).length;
    const held = plan.held.filter((h) => h.id.startsWith(`${provider}/`)).length;
    log(
      `${provider}: ${ofProvider(plan.added, provider)} added, ${ofProvider(plan.changed, provider)} changed, ` +
        `${ofProvider(plan.unchanged, provider)} unchanged, ${skips} skipped` +
        (held ? `, ${held} held` : "") +
        (ofProvider(plan.pinned, provider) ? `, ${ofProvider(plan.pinned, provider)} pinned` : ""),
    );
  }
  for (const skip of skipped) log(`skipped ${skip.id}: ${skip.reason}`);
  for (const held of plan.held) log(`held ${held.id}: ${held.reason} (the stored price stays)`);
  const summary: ImportSummary = {
    added: plan.added.length,
    changed: plan.changed.length,
    unchanged: plan.unchanged.length,
    skipped,
    held: plan.held,
    pinned: plan.pinned.length,
  };
  log(
    `catalog: ${models.length} models from ${providers.length} providers: ${summary.added} added, ` +
      `${summary.changed} changed, ${summary.unchanged} unchanged, ${skipped.length} skipped, ` +
      `${summary.held.length} held, ${summary.pinned} pinned`,
  );
  return summary;
}

/** Loads the shipped snapshot into an empty catalog (`npm start`); returns undefined if models exist. */
export async function loadSnapshotIfEmpty(deps: Deps, options: ImportOptions = {}): Promise<ImportSummary | undefined> {
  if (await hasAnyModel(deps.db)) return undefined;
  return importCatalog(deps, await readFile(SNAPSHOT_URL, "utf8"), options);
}
