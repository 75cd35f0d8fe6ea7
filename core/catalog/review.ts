/**
 * What an import may write (pure): the feed is community-edited, so a price change that looks wrong
 * is held back and the last good price stays. For each model of the feed:
 *
 * - **pinned** (an operator's `upsertAiModel`): never replaced;
 * - **absurd**: any price (base or tier) above $5,000 per 1M tokens (ten times the dearest model
 *   the snapshot lists) is held, new model or not, whatever the options say;
 * - **suspicious** change of a listed model: a price that becomes zero, a price that moves by more
 *   than 2x either way (more than double, or less than half; from zero to anything counts too), a
 *   tier (same size) whose price does so, or a new tier with a zero price. Prices compare as billed:
 *   a missing cache price is the input price, a missing tier price the base price. Held, unless
 *   the operator accepts the changes (`--accept-price-changes` on the import script);
 * - otherwise added, changed or unchanged.
 *
 * More than 10 held models and the whole feed is refused (a broken feed, not a few bad edits):
 * nothing is written.
 */
import { FeedRejectedError } from "./feed";
import { formatMoney, parseMoney, type Amount } from "../money";
import { samePrice, type ModelPrice, type Tier } from "./model-price";

export const MAX_PRICE_PER_1M = parseMoney("5000");
export const MAX_HELD_MODELS = 10;

export type HeldChange = { id: string; reason: string };
export type ImportPlan = {
  write: ModelPrice[];
  added: string[];
  changed: string[];
  unchanged: string[];
  pinned: string[];
  held: HeldChange[];
};

export function planImport(
  stored: ModelPrice[],
  incoming: ModelPrice[],
  options: { acceptPriceChanges?: boolean } = {},
): ImportPlan {
  const byId = new Map(stored.map((m) => [m.id, m]));
  const plan: ImportPlan = { write: [], added: [], changed: [], unchanged: [], pinned: [], held: [] };
  for (const model of incoming) {
    const current = byId.get(model.id);
    if (current?.pinned) {
      plan.pinned.push(model.id);
      continue;
    }
    const reason =
      absurdPrice(model) ??
      (current && !options.acceptPriceChanges && !samePrice(current, model)
        ? suspiciousChange(current, model)
        : undefined);
    if (reason) plan.held.push({ id: model.id, reason });
    else if (!current) plan.added.push(model.id);
    else if (samePrice(current, model)) plan.unchanged.push(model.id);
    else plan.changed.push(model.id);
    if (!reason && !(current && samePrice(current, model))) plan.write.push(model);
  }
  if (plan.held.length > MAX_HELD_MODELS) {
    const sample = plan.held.slice(0, 3).map((h) => `${h.id}: ${h.reason}`);
    throw new FeedRejectedError(
      `${plan.held.length} models with suspicious prices (more than ${MAX_HELD_MODELS}), e.g. ${sample.join("; ")}`,
    );
  }
  return plan;
}

const KINDS = ["input", "output", "cacheRead", "cacheWrite"] as const;
type Prices = Record<(typeof KINDS)[number], Amount>;

/** The prices a call is billed at: cache prices fall back to the input price. */
function billed(base: Omit<Tier, "size">, fallback?: Prices): Prices {
  const input = base.input ?? fallback?.input ?? 0n;
  return {
    input,
    output: base.output ?? fallback?.output ?? 0n,
    cacheRead: base.cacheRead ?? fallback?.cacheRead ?? input,
    cacheWrite: base.cacheWrite ?? fallback?.cacheWrite ?? input,
  };
}

function absurdPrice(model: ModelPrice): string | undefined {
  for (const [where, prices] of [["", billed(model)] as const, ...model.tiers.map((t) => tierEntry(model, t))]) {
    for (const kind of KINDS) {
      if (prices[kind] > MAX_PRICE_PER_1M)
        return `${where}${kind} price $${formatMoney(prices[kind])} per 1M tokens is above $${formatMoney(MAX_PRICE_PER_1M)}`;
    }
  }
  return undefined;
}

function suspiciousChange(current: ModelPrice, next: ModelPrice): string | undefined {
  const base = compare("", billed(current), billed(next));
  if (base) return base;
  for (const tier of next.tiers) {
    const [where, nextPrices] = tierEntry(next, tier);
    const old = current.tiers.find((t) => t.size === tier.size);
    if (!old) {
      const zero = KINDS.find((kind) => nextPrices[kind] === 0n);
      if (zero) return `new ${where}${zero} price is zero`;
      continue;
    }
    const change = compare(where, tierEntry(current, old)[1], nextPrices);
    if (change) return change;
  }
  return undefined;
}

function tierEntry(model: ModelPrice, tier: Tier): readonly [string, Prices] {
  return [`tier above ${tier.size} tokens: `, billed(tier, billed(model))] as const;
}

function compare(where: string, before: Prices, after: Prices): string | undefined {
  for (const kind of KINDS) {
    const [from, to] = [before[kind], after[kind]];
    const text = `${where}${kind} price $${formatMoney(from)} -> $${formatMoney(to)} per 1M tokens`;
    if (from > 0n && to === 0n) return `${text}: becomes zero`;
    if (to > from * 2n || to * 2n < from) return `${text}: changes more than 2x`;
  }
  return undefined;
}
