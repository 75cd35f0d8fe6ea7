/**
 * BALANCE: usage spends money, at a fixed unit price or at an AI model's token prices plus a
 * margin. The allowance goes first, then top-ups; beyond both it is overage billed at close, unless
 * the plan blocks on exhaustion.
 */
import { multiply, SCALE } from "../money";
import { allowanceLeft, balanceOverage } from "../wallet";
import { priceTokens } from "../catalog/price-tokens";
import type { AiPricing, ConsumptionStrategy } from "./types";

export const balance: ConsumptionStrategy = {
  price(plan, feature, usage) {
    let cost: bigint;
    let ai: AiPricing | undefined;
    if (feature.pricing === "AI_MODEL" && usage.aiModel && usage.tokens) {
      const priced = priceTokens(usage.aiModel, usage.tokens, feature.marginBps ?? 0);
      cost = priced.cost;
      ai = {
        modelId: usage.aiModel.id,
        marginBps: feature.marginBps ?? 0,
        providerCost: priced.providerCost,
        unitPrices: priced.unitPrices,
      };
    } else if (feature.pricing === "AI_MODEL") {
      cost = 0n; // an entitlement check without a model: only the sign of the balance matters
    } else {
      cost = multiply(usage.quantity, feature.unitPrice ?? 0n);
    }
    const atLeast = feature.pricing === "AI_MODEL" && !ai ? 1n : cost;
    const guards = plan.blockOnExhaustion ? [{ kind: "balance" as const, atLeast }] : [];
    return { feature: feature.feature, quantity: usage.quantity, cost, ...(ai ? { ai } : {}), guards };
  },
  view(wallet, _plan, feature) {
    return { used: wallet.usage[feature.feature] ?? 0n, balance: wallet.balance };
  },
  /** Spend beyond the allowance and the top-ups, as one line. */
  overage(wallet) {
    const over = balanceOverage(wallet);
    return over > 0n ? [{ description: "Usage beyond the balance", quantity: SCALE, unitPrice: over }] : [];
  },
  /** Allowance left / allowance granted this period (top-ups are not the plan's grant). */
  grantLeft: (wallet) => (wallet.allowance > 0n ? { num: allowanceLeft(wallet), den: wallet.allowance } : undefined),
};
