/**
 * BALANCE: usage spends money, at a fixed unit price or at an AI model's token prices plus a
 * margin. The allowance goes first, then top-ups; beyond both it is overage billed at close, unless
 * the plan blocks on exhaustion.
 */
import { MAX_SUM } from "../bounds";
import { CATALOG_CURRENCY } from "../currencies";
import { DomainError } from "../errors";
import { divRound, max, min, multiply, SCALE } from "../money";
import { allowanceLeft, balanceOverage, heldPurchases, topUpsLeft, usedOf, withoutHolds } from "../wallet";
import { priceTokens } from "../catalog/price-tokens";
import { balanceGranted } from "../alerts/granted";
import { lowFunds } from "../alerts/low-funds";
import type { AiPricing, ConsumptionStrategy } from "./types";

const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);

export const balance: ConsumptionStrategy = {
  model: "BALANCE",

  planOptions: ["blockOnExhaustion"],
  planTerms: () => ({}),
  featureFields: ["pricing", "unitPrice", "marginBps", "packageSize"],
  validateFeature(f, { kind, at, currency }) {
    const pricing = f.pricing ?? "FIXED";
    if (pricing === "FIXED") {
      if (f.unitPrice == null) throw bad(`${at}.unitPrice is required for FIXED pricing`);
      if (f.marginBps != null) throw bad(`${at}.marginBps applies to AI_MODEL pricing only`);
      if (f.packageSize != null && f.packageSize <= 0n) throw bad(`${at}.packageSize must be greater than zero`);
      const pack = f.packageSize != null ? { packageSize: f.packageSize } : {};
      return { feature: f.feature, kind, pricing, unitPrice: f.unitPrice, ...pack };
    }
    if (f.packageSize != null) throw bad(`${at}.packageSize applies to FIXED pricing only`);
    if (f.unitPrice != null) throw bad(`${at}.unitPrice does not apply to AI_MODEL pricing (it takes marginBps)`);
    // Catalog prices are USD; without exchange rates they cannot bill another currency.
    if (currency !== CATALOG_CURRENCY)
      throw bad(`${at}.pricing AI_MODEL needs a plan in ${CATALOG_CURRENCY}, the AI model catalog's currency`);
    return { feature: f.feature, kind, pricing, marginBps: f.marginBps ?? 0 };
  },

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
    } else if (feature.packageSize) {
      // unitPrice per packageSize units, as one exact division of the whole product: no rounding
      // to whole packages and no per-unit price rounded first (a remainder below 10^-12, only with
      // a price that does not divide, is rounded as multiply rounds).
      cost = divRound(usage.quantity * (feature.unitPrice ?? 0n), feature.packageSize);
    } else {
      cost = multiply(usage.quantity, feature.unitPrice ?? 0n);
    }
    const atLeast = feature.pricing === "AI_MODEL" && !ai ? 1n : cost;
    const guards = plan.blockOnExhaustion ? [{ kind: "balance" as const, atLeast }] : [];
    return { feature: feature.feature, quantity: usage.quantity, cost, ...(ai ? { ai } : {}), guards };
  },
  /** The same guard as blockOnExhaustion: spend stops at zero. */
  trialGuards: (feature, charge) => [
    { kind: "balance", atLeast: feature.pricing === "AI_MODEL" && !charge.ai ? 1n : (charge.cost ?? 0n) },
  ],
  /**
   * Blocking plans, and every plan in a free trial (which bills no overage), charge what the hold
   * and the balance left cover (the rest is capped); the others charge it all, beyond zero as
   * overage, like a track.
   */
  settle(wallet, plan, actual, held, trial) {
    const wanted = actual.cost ?? 0n;
    if (!plan.blockOnExhaustion && !trial) return { charge: { ...actual, guards: [] }, capped: false };
    const charged = min(wanted, held.amount + max(0n, wallet.balance));
    const extra = charged - held.amount;
    return {
      charge: { ...actual, cost: charged, guards: extra > 0n ? [{ kind: "balance", atLeast: extra }] : [] },
      capped: charged < wanted,
    };
  },
  usageCeiling: () => MAX_SUM,
  addedCost: (_wallet, _feature, charge) => charge.cost,
  crossings: (before, after) =>
    before.balance >= 0n && after.balance < 0n ? [{ kind: "BALANCE_NEGATIVE", balance: after.balance }] : [],
  /** balance.low: balance left fall to 10% of what the period granted plus what was bought. */
  thresholds: (_plan, wallet, periodStart) => lowFunds("balance", balanceGranted(wallet), periodStart),

  /** What is left to spend now, whichever feature spends it. */
  entitlementView: (wallet, _plan, f) => ({ used: usedOf(wallet, f.feature), balance: wallet.balance }),
  /** What this feature cost this period. */
  usageView: (wallet, f) => ({
    feature: f.feature,
    used: usedOf(wallet, f.feature),
    cost: wallet.featureCost[f.feature] ?? 0n,
  }),
  walletView: (wallet) => ({
    ...heldPurchases(wallet),
    balance: wallet.balance,
    allowance: allowanceLeft(wallet),
    allowanceGranted: wallet.allowance,
    topUps: topUpsLeft(wallet),
    spent: wallet.spent,
    overage: balanceOverage(wallet),
    heldAmount: wallet.heldAmount,
  }),

  grant: (plan) => ({ planCredits: 0n, allowance: plan.basePrice + (plan.addOnAllowance ?? 0n) }),
  addOnGrant: (plan, _feature, grant) => ({ ...plan, addOnAllowance: (plan.addOnAllowance ?? 0n) + grant }),
  /** Allowance left / allowance granted this period (top-ups are not the plan's grant). */
  grantLeft: (held) => {
    // What open reservations hold is not spent: they carry into the next period (core/README.md).
    const wallet = withoutHolds(held);
    return wallet.allowance > 0n ? { num: allowanceLeft(wallet), den: wallet.allowance } : undefined;
  },
  /** Spend beyond the allowance and the top-ups, as one line. */
  overage(wallet) {
    const over = balanceOverage(wallet);
    return over > 0n ? [{ description: "Usage beyond the balance", quantity: SCALE, unitPrice: over }] : [];
  },

  sells: ["TOP_UP"],
};
