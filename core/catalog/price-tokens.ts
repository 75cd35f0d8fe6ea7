/**
 * What one AI call costs (pure). Prices are ledger units per 1M tokens, so for each token type
 *
 *   cost = tokens x pricePer1M x (10,000 + marginBps) / 10,000 / 1,000,000
 *
 * summed over input, output, cache-read and cache-write tokens as one exact integer fraction and
 * rounded ONCE, at the end, to the ledger unit (10^-12 USD), half away from zero. `providerCost` is
 * the same sum without the margin (what the provider charges), rounded once the same way.
 *
 * Tiers: the prompt size is input + cache-read + cache-write tokens; when it exceeds a tier's
 * `size` that tier's prices apply (the largest such tier wins); prices the tier lacks fall back to
 * the base prices. Cache tokens without a cache price (in the tier or the base) bill at the input
 * price in effect.
 */
import { DomainError } from "../errors";
import { divRound, type Amount } from "../money";
import type { ModelPrice } from "./model-price";

export type TokenCounts = { input: bigint; output: bigint; cacheRead: bigint; cacheWrite: bigint };
export type UnitPrices = { input: Amount; output: Amount; cacheRead: Amount; cacheWrite: Amount };
export type TokenCost = { providerCost: Amount; cost: Amount; unitPrices: UnitPrices };

export const MAX_MARGIN_BPS = 100_000;
const BPS = 10_000n;
const PER_TOKENS = 1_000_000n;

export function priceTokens(model: ModelPrice, tokens: TokenCounts, marginBps: number): TokenCost {
  if (!Number.isSafeInteger(marginBps) || marginBps < 0 || marginBps > MAX_MARGIN_BPS) {
    throw new DomainError(
      "BAD_USER_INPUT",
      `marginBps must be a whole number from 0 to ${MAX_MARGIN_BPS}, got ${marginBps}`,
    );
  }
  for (const [type, count] of Object.entries(tokens)) {
    if (count < 0n) throw new DomainError("BAD_USER_INPUT", `${type} tokens must not be negative`);
  }
  const unitPrices = unitPricesFor(model, tokens.input + tokens.cacheRead + tokens.cacheWrite);
  const raw =
    tokens.input * unitPrices.input +
    tokens.output * unitPrices.output +
    tokens.cacheRead * unitPrices.cacheRead +
    tokens.cacheWrite * unitPrices.cacheWrite;
  return {
    providerCost: divRound(raw, PER_TOKENS),
    cost: divRound(raw * (BPS + BigInt(marginBps)), BPS * PER_TOKENS),
    unitPrices,
  };
}

/** The per-1M prices that apply to a prompt of `promptSize` tokens. */
export function unitPricesFor(model: ModelPrice, promptSize: bigint): UnitPrices {
  let tier: ModelPrice["tiers"][number] | undefined;
  for (const candidate of model.tiers) {
    if (promptSize > candidate.size && (!tier || candidate.size > tier.size)) tier = candidate;
  }
  const input = tier?.input ?? model.input;
  return {
    input,
    output: tier?.output ?? model.output,
    cacheRead: tier?.cacheRead ?? model.cacheRead ?? input,
    cacheWrite: tier?.cacheWrite ?? model.cacheWrite ?? input,
  };
}
