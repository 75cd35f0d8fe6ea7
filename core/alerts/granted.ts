/**
 * What the low-funds thresholds are a share of: what the period granted plus what was bought
 * Purchases and top-ups raise it, so they re-arm the thresholds.
 */
import { max, type Amount } from "../money";
import type { Wallet } from "../wallet";

/**
 * Plan credits granted this period plus purchased credits (the pool at period start and packs
 * since) plus free credits (held at period start and granted since: grantCredits re-arms like a pack).
 */
export const creditsGranted = (w: Wallet): Amount =>
  max(0n, w.planCredits + w.purchasedCredits + (w.grantsGranted ?? 0n));

/** The period's allowance plus top-ups (the pool at period start and top-ups since). */
export const balanceGranted = (w: Wallet): Amount => max(0n, w.allowance + w.topUps);
