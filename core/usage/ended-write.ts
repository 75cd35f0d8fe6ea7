/**
 * Writing one priced usage event into the wallet's ended period (core/periods/grace.ts): the step a
 * late track (./late.ts) and a timestamped correction (./adjust.ts) share once they have priced and
 * checked it. One transaction of the event and the ended period's counters, conditioned on that
 * period still being open and on the charge's guards (core/db/late-usage-update.ts); written, the
 * process's view of the wallet gets the booked counters (db/wallet-cache.ts).
 */
import type { Deps } from "../deps";
import { applyCharge, deltaOf, type Charge } from "../models";
import type { Wallet } from "../wallet";
import type { EndedPeriod } from "../periods/grace";
import { writeUsage, type UsageWriteResult } from "../db/usage-write";
import { rememberWallet } from "../db/wallet-cache";
import type { UsageEvent } from "./event";

/**
 * Books `event`, charged `charge`, into `ended` of `wallet`, whose ended period as a wallet of its
 * own is `before` (core/periods/grace.ts endedWallet). Written: that wallet after the charge.
 */
export async function writeEnded(
  deps: Deps,
  at: { wallet: Wallet; ended: EndedPeriod; before: Wallet },
  event: UsageEvent,
  charge: Charge,
): Promise<{ ok: true; after: Wallet } | Exclude<UsageWriteResult, { ok: true }>> {
  const { wallet, ended, before } = at;
  const result = await writeUsage(deps.db, {
    customerId: wallet.customerId,
    period: ended.subscription,
    events: [event],
    delta: deltaOf([charge]),
    guards: charge.guards,
    late: true,
  });
  if (!result.ok) return result;
  const after = applyCharge(before, charge);
  const { usage, featureCost, featureCredits, credits, creditsUsed, spent, balance } = after;
  const booked = { ...ended, usage, featureCost, featureCredits, credits, creditsUsed, spent, balance };
  rememberWallet(deps.db, { ...wallet, version: wallet.version + 1, ended: booked });
  return { ok: true, after };
}
