/**
 * Which catalog model a client means. For the ID as sent, then for each other spelling providers
 * and gateways use (`spellingsOf`: gateway prefixes stripped, Bedrock ARNs, Vertex dates), tried in
 * this order, the first that finds anything decides:
 *
 *   1. the exact ID `provider/model` (`anthropic/claude-sonnet-4-6`, `groq/openai/gpt-oss-20b`);
 *   2. an operator's alias (`setAiModelAlias`), exactly as written;
 *   3. `provider/model` with the version written with dots, as AI gateways do
 *      (`anthropic/claude-sonnet-4.6` -> `claude-sonnet-4-6`): compared within that provider with
 *      dots between digits read as dashes, ignoring case;
 *   4. a bare model ID as a provider lists it (`gpt-4o`, `claude-sonnet-4-6`, `openai/gpt-oss-120b`
 *      as groq and Together list it), across all providers;
 *   5. the same, with dots between digits read as dashes, ignoring case (`claude-sonnet-4.6`).
 *
 * Only when no spelling found anything, a dated snapshot resolves to its undated base
 * (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`): the catalog's dated entry, when it lists one
 * (`gpt-4o-2024-08-06`), is found by the steps above and wins.
 *
 * One match resolves. Several matches resolve to the model's own vendor when exactly one of them is
 * listed under it (`vendorOf`: the namespace written before a `/`, else the vendor owning the name's
 * prefix: gpt-/o1/o3/o4/text-embedding- openai, claude- anthropic, gemini-/gemma- google, grok- xai,
 * ...), so `gpt-4o` prefers `openai/gpt-4o` over a reseller's copy. Otherwise the request is
 * ambiguous: BAD_USER_INPUT listing the candidates. No match: NOT_FOUND, echoing the ID.
 *
 * The IDs and aliases are cached in-process for 60 s per table (the catalog changes daily); a request
 * that matches nothing reloads them once before answering NOT_FOUND, so a model or alias added a
 * moment ago resolves.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { type CatalogNames, getModel, listCatalogNames } from "../db/ai-models";
import { MODEL_ID_PATTERN, splitModelId, type ModelPrice } from "./model-price";
import { spellingsOf, undated } from "./spellings";

const CACHE_MS = 60_000;
const namesCache = new Map<string, { names: CatalogNames; loadedAt: number }>();

export async function resolveModel(deps: Deps, requested: string): Promise<ModelPrice> {
  if (typeof requested !== "string" || !MODEL_ID_PATTERN.test(requested)) {
    throw new DomainError("BAD_USER_INPUT", `model must be 1 to 256 characters of letters, digits and _ - . : @ /`);
  }
  if (requested.includes("/")) {
    const exact = await getModel(deps.db, requested);
    if (exact) return exact;
  }
  let chosen = chooseModelId(requested, await cachedNames(deps, false));
  if (chosen === undefined) chosen = chooseModelId(requested, await cachedNames(deps, true));
  const model = chosen && (await getModel(deps.db, chosen));
  if (!model) throw new DomainError("NOT_FOUND", `AI model "${requested}" not found`);
  return model;
}

/** Drops the cached IDs and aliases (after an import, upsert or alias in this process). */
export function forgetModelIds(table?: string): void {
  if (table) namesCache.delete(table);
  else namesCache.clear();
}

async function cachedNames(deps: Deps, reload: boolean): Promise<CatalogNames> {
  const cached = namesCache.get(deps.db.table);
  if (cached && !reload && Date.now() - cached.loadedAt < CACHE_MS) return cached.names;
  const names = await listCatalogNames(deps.db);
  namesCache.set(deps.db.table, { names, loadedAt: Date.now() });
  return names;
}

/** The model ID a spelling means (pure; the order above), undefined for none; throws when ambiguous. */
export function chooseModelId(requested: string, names: CatalogNames): string | undefined {
  const spellings = [requested, ...spellingsOf(requested)];
  for (const spelling of spellings) {
    if (names.ids.includes(spelling)) return spelling;
    if (names.aliases[spelling] !== undefined) return names.aliases[spelling];
    const candidates = matchModelIds(spelling, names.ids);
    if (candidates.length > 0) return pickCandidate(spelling, candidates);
  }
  for (const spelling of spellings) {
    const base = undated(spelling);
    const candidates = base === undefined ? [] : matchModelIds(base, names.ids);
    if (candidates.length > 0) return pickCandidate(base!, candidates);
  }
  return undefined;
}

/** The IDs one spelling could mean (pure; steps 1, 3, 4 and 5 above). */
export function matchModelIds(requested: string, ids: string[]): string[] {
  if (ids.includes(requested)) return [requested];
  const parts = ids.map((id) => ({ id, ...splitModelId(id) }));
  const asked = splitModelId(requested);
  const wanted = loose(asked.model);
  const steps = [
    () => parts.filter((p) => asked.provider !== "" && p.provider === asked.provider && loose(p.model) === wanted),
    () => parts.filter((p) => p.model === requested),
    () => parts.filter((p) => loose(p.model) === loose(requested)),
  ];
  for (const step of steps) {
    const found = step();
    if (found.length > 0) return found.map((p) => p.id).sort();
  }
  return [];
}

/** One candidate, or the vendor's own among several; throws when ambiguous. */
function pickCandidate(requested: string, candidates: string[]): string {
  if (candidates.length === 1) return candidates[0]!;
  const vendor = vendorOf(requested);
  const own = candidates.filter((id) => splitModelId(id).provider === vendor);
  if (own.length === 1) return own[0]!;
  throw new DomainError(
    "BAD_USER_INPUT",
    `AI model "${requested}" is ambiguous: ${candidates.join(", ")}; send the full provider/model ID`,
  );
}

/** Name prefixes and the vendor (catalog provider ID) that makes those models. */
const VENDOR_PREFIXES: [RegExp, string][] = [
  [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|dall-e|whisper|tts-|omni-moderation|codex-)/, "openai"],
  [/^claude-/, "anthropic"],
  [/^(gemini-|gemma-|imagen-|veo-)/, "google"],
  [/^(mistral-|open-mistral|open-mixtral|codestral|ministral|pixtral|magistral|devstral|voxtral)/, "mistral"],
  [/^deepseek-/, "deepseek"],
  [/^grok-/, "xai"],
  [/^(command|embed-|rerank-|c4ai-|aya-)/, "cohere"],
  [/^sonar/, "perplexity"],
  [/^(kimi-|moonshot-)/, "moonshotai"],
];

/** `openai/gpt-oss-120b` -> openai (the namespace); `gpt-4o` -> openai; unknown prefixes -> undefined. */
export function vendorOf(requested: string): string | undefined {
  const { provider, model } = splitModelId(requested);
  if (provider) return provider.toLowerCase();
  return VENDOR_PREFIXES.find(([prefix]) => prefix.test(model.toLowerCase()))?.[1];
}

/** Dots between digits read as dashes, any case: `Claude-Sonnet-4.6` ~ `claude-sonnet-4-6`. */
function loose(id: string): string {
  return id.toLowerCase().replace(/(\d)\.(?=\d)/g, "$1-");
}
