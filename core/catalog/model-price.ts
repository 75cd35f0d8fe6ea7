/**
 * One model's token prices as the catalog stores them. Every price is in ledger units (10^-12 USD)
 * PER 1,000,000 TOKENS, i.e. `parseMoney` of the source's "USD per 1M tokens" text: $3.00 per 1M
 * input tokens is 3_000_000_000_000n. Token counts and tier sizes are plain integers (bigint).
 */
import type { Amount } from "../money";

/** Prices that replace the base prices when the prompt is larger than `size` tokens. */
export type Tier = { size: bigint; input?: Amount; output?: Amount; cacheRead?: Amount; cacheWrite?: Amount };

export type ModelPrice = {
  /** `<provider>/<model>`, e.g. `anthropic/claude-sonnet-4-6`; the model part may itself contain `/`. */
  id: string;
  provider: string;
  name: string;
  input: Amount;
  output: Amount;
  /** Absent: cache tokens bill at the input price. */
  cacheRead?: Amount;
  cacheWrite?: Amount;
  tiers: Tier[];
  /** When this price was last written (ISO 8601). */
  updatedAt: string;
  /** Set by an operator's `upsertAiModel`: the daily sync never replaces this price. */
  pinned?: boolean;
};

/** Characters a model ID may hold: the edge's ID set plus `/` (never `#`, the key separator). */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9_\-.:@/]{1,256}$/;

/** `groq/openai/gpt-oss-20b` -> provider `groq`, model `openai/gpt-oss-20b` (split at the first `/`). */
export function splitModelId(id: string): { provider: string; model: string } {
  const slash = id.indexOf("/");
  return slash < 0 ? { provider: "", model: id } : { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}

/** Same name, prices (tiers included) and pin; `updatedAt` is not compared. Decides what a write rewrites. */
export function samePrice(a: ModelPrice, b: ModelPrice): boolean {
  return (
    a.id === b.id &&
    a.provider === b.provider &&
    a.name === b.name &&
    a.input === b.input &&
    a.output === b.output &&
    a.cacheRead === b.cacheRead &&
    a.cacheWrite === b.cacheWrite &&
    Boolean(a.pinned) === Boolean(b.pinned) &&
    a.tiers.length === b.tiers.length &&
    a.tiers.every((tier, i) => sameTier(tier, b.tiers[i]))
  );
}

function sameTier(a: Tier, b: Tier | undefined): boolean {
  return (
    b !== undefined &&
    a.size === b.size &&
    a.input === b.input &&
    a.output === b.output &&
    a.cacheRead === b.cacheRead &&
    a.cacheWrite === b.cacheWrite
  );
}
