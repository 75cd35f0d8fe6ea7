/** The consumption models (see README.md): each a strategy of one shape, chosen in strategies.ts. */
export { applyCharge, deltaOf, priceUsage } from "./charge";
export { belowZero, priceCorrection } from "./correction";
export { beyondBounds, combinedGuards, denial, type GuardDenial } from "./guards";
export { planFeature, planTerms } from "./plan-terms";
export { modelsSelling, periodGrant, strategyFor } from "./strategies";
export { featureUsages, walletView } from "./views";
export type {
  Charge,
  Crossing,
  DenyReason,
  FeatureUsage,
  FeatureView,
  Guard,
  Hold,
  Ratio,
  Settlement,
  WalletDelta,
} from "./types";
export {
  isLevelKind,
  levelAdvance,
  levelKindOf,
  levelOf,
  levelOverage,
  levelQuote,
  levelsFor,
  peakOf,
  seatCredits,
  type LevelKind,
} from "./levels";
