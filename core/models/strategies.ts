/** The one place a consumption model is chosen. */
import type { ConsumptionModel, Plan } from "../plans/plan";
import type { PurchaseKind } from "../purchases/purchase";
import type { PeriodGrant } from "../wallet";
import { balance } from "./balance";
import { credits } from "./credits";
import { metered } from "./metered";
import type { ConsumptionStrategy } from "./types";

export const STRATEGIES: Record<ConsumptionModel, ConsumptionStrategy> = {
  METERED: metered,
  CREDITS: credits,
  BALANCE: balance,
};

export const strategyFor = (model: ConsumptionModel): ConsumptionStrategy => STRATEGIES[model];

/** The models whose usage can spend what a purchase of `kind` adds. */
export const modelsSelling = (kind: PurchaseKind): ConsumptionModel[] =>
  Object.values(STRATEGIES)
    .filter((s) => s.sells.includes(kind))
    .map((s) => s.model);

/** What each period of `plan` grants into the wallet's pools. */
export const periodGrant = (plan: Plan): PeriodGrant => strategyFor(plan.model).grant(plan);
