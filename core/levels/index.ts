/**
 * setSeats and adjustQuota: moving the level of a SEATS or QUOTA feature (core/models/levels.ts),
 * idempotent by key and exact under concurrency.
 *
 * One transaction: the event (a usage event whose value is the signed change and `level` the level
 * after it: the idempotency record and the audit, in customer.events), the wallet's level and peak
 * SET on condition they are still the values read (core/db/level-update.ts), and, when seats rise
 * above what the period has paid for, the invoice of the added seats pro rata for the rest of the
 * period, numbered with the invoice counter (core/db/group-commit.ts). Racing writes of the same
 * feature serialize on that condition: each re-reads and decides again, so the level ends at the
 * last one committed and every increase is billed once, by the write that made it.
 *
 * The invoice of added seats takes account credit like every subscription invoice (core/invoices/
 * settle.ts `settleMidPeriod`), in the same transaction, conditioned on each grant it takes from
 * (core/db/credit-taken.ts): two invoices racing for one grant cannot both spend it, and a replayed
 * key writes nothing, so it spends nothing again.
 *
 * Refusals (BAD_USER_INPUT naming the field, LIMIT_REACHED beyond a hard limit, NO_SUBSCRIPTION,
 * FEATURE_NOT_IN_PLAN) write nothing; a replayed key answers first, as trackUsage's do.
 */
import { createHash } from "node:crypto";
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { MAX_EVENT_QUANTITY, MAX_QUANTITY } from "../bounds";
import { formatDecimal, max, SCALE, type Amount } from "../money";
import { IdSchema, parseInput } from "../validation";
import { levelKindOf, levelOf, peakOf, type FeatureUsage } from "../models";
import { periodLeft, type ProRata } from "../models/levels";
import type { Plan, PlanFeature } from "../plans/plan";
import { inTrial, type Subscription, type Wallet } from "../wallet";
import type { InvoiceLine } from "../invoices/invoice";
import { settleMidPeriod } from "../invoices/settle";
import { invoiceIssued } from "../events";
import { writeLevel } from "../db/level-update";
import { publish } from "../events/publish";
import { RETRY, withRetries } from "../retry";
import { replayed, replayOr, subscribedFeature, usageOf } from "../usage/feature-write";
import type { UsageEvent } from "../usage/event";

/**
 * Attempts of a level write: writes of one feature's level serialize on its value, so each loser
 * decides again; a burst of a few dozen (a seat sync) must all land.
 */
const LEVEL_ATTEMPTS = 60;

const SetSeatsSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  count: z.bigint().check(
    z.gte(0n, "must not be negative"),
    z.lte(MAX_QUANTITY),
    z.refine((v) => v % SCALE === 0n, "must be a whole number of seats"),
  ),
  idempotencyKey: IdSchema,
});
const AdjustQuotaSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  delta: z.bigint().check(
    z.refine((d) => d !== 0n, "must not be zero"),
    z.refine(
      (d) => (d < 0n ? -d : d) <= MAX_EVENT_QUANTITY,
      `must be at most ${formatDecimal(MAX_EVENT_QUANTITY)} either way`,
    ),
  ),
  idempotencyKey: IdSchema,
});
export type SetSeatsInput = z.input<typeof SetSeatsSchema>;
export type AdjustQuotaInput = z.input<typeof AdjustQuotaSchema>;

/** One level write, whichever operation asked: the level it sets, from the level it finds. */
type LevelRequest = {
  op: "setSeats" | "adjustQuota";
  kind: "SEATS" | "QUOTA";
  customerId: string;
  feature: string;
  idempotencyKey: string;
  /** The field named in refusals, and its value. */
  field: "count" | "delta";
  amount: Amount;
  target: (level: Amount) => Amount;
};

export function setSeats(deps: Deps, input: SetSeatsInput): Promise<FeatureUsage> {
  const r = parseInput(SetSeatsSchema, input, "");
  return changeLevel(deps, {
    op: "setSeats",
    kind: "SEATS",
    customerId: r.customerId,
    feature: r.feature,
    idempotencyKey: r.idempotencyKey,
    field: "count",
    amount: r.count,
    target: () => r.count,
  });
}

export function adjustQuota(deps: Deps, input: AdjustQuotaInput): Promise<FeatureUsage> {
  const r = parseInput(AdjustQuotaSchema, input, "");
  return changeLevel(deps, {
    op: "adjustQuota",
    kind: "QUOTA",
    customerId: r.customerId,
    feature: r.feature,
    idempotencyKey: r.idempotencyKey,
    field: "delta",
    amount: r.delta,
    target: (level) => level + r.delta,
  });
}

function changeLevel(deps: Deps, r: LevelRequest): Promise<FeatureUsage> {
  const exhausted = () =>
    new DomainError("CONFLICT", `too many concurrent changes of "${r.feature}"; retry with the same idempotency key`);
  return withRetries({ attempts: LEVEL_ATTEMPTS, exhausted }, () => attempt(deps, r));
}

async function attempt(deps: Deps, r: LevelRequest): Promise<FeatureUsage | typeof RETRY> {
  const asked = { ...r, requestHash: levelHash(r) };
  const found = await subscribedFeature(deps, r.customerId, r.feature);
  if (found instanceof DomainError) return replayOr(deps, asked, found);
  const { wallet, plan, sub, feature, now } = found;
  const kind = levelKindOf(feature);
  if (kind?.kind !== r.kind)
    return replayOr(
      deps,
      asked,
      new DomainError(
        "BAD_USER_INPUT",
        `feature "${r.feature}" is a ${feature.kind} feature; ${r.op} applies to ${r.kind} features`,
      ),
    );
  const before = levelOf(wallet, r.feature);
  const level = r.target(before);
  const refused = refusal(r, feature, before, level, inTrial(sub));
  if (refused) return replayOr(deps, asked, refused);
  const time = now.toISOString();
  const event: UsageEvent = {
    idempotencyKey: r.idempotencyKey,
    customerId: r.customerId,
    feature: r.feature,
    value: level - before,
    level,
    timestamp: time,
    periodStart: sub.periodStart,
    planCode: plan.code,
    requestHash: asked.requestHash,
    recordedAt: time,
  };
  const billed = kind.immediate(wallet, feature, level, periodLeft(wallet, now));
  const settled = billed ? settleMidPeriod(wallet, seatInvoice(wallet, plan, feature, billed, sub, time)) : undefined;
  const peak = max(peakOf(wallet, r.feature), level);
  const written = await writeLevel(
    deps.db,
    event,
    {
      customerId: r.customerId,
      period: sub,
      feature: r.feature,
      was: { level: wallet.levels?.[r.feature], peak: wallet.peaks?.[r.feature], hasLevels: !!wallet.levels },
      level,
      peak,
      ...(settled?.taken ? { credit: settled.taken } : {}),
    },
    settled ? [settled.draft] : [],
    (invoices) => invoices.flatMap(invoiceIssued),
  );
  if (written.ok) {
    if (written.events.length) await publish(deps, written.events, written.outbox);
    const after: Wallet = {
      ...wallet,
      version: wallet.version + 1,
      levels: { ...wallet.levels, [r.feature]: level },
      peaks: { ...wallet.peaks, [r.feature]: peak },
    };
    return usageOf(after, plan, r.feature);
  }
  if ("duplicate" in written) return replayed(deps, asked, written.duplicate);
  return RETRY; // the level, the period or the plan changed since the read: decide again on a fresh one
}

function refusal(
  r: LevelRequest,
  feature: PlanFeature,
  before: Amount,
  level: Amount,
  trialing: boolean,
): DomainError | undefined {
  if (level < 0n)
    return new DomainError(
      "BAD_USER_INPUT",
      `${r.field} ${formatDecimal(r.amount)} would take the level of "${r.feature}" below zero (now: ${formatDecimal(before)})`,
    );
  if (feature.limit !== undefined && level > feature.limit && level > before)
    return new DomainError(
      "LIMIT_REACHED",
      `${r.field} ${formatDecimal(r.amount)} would take "${r.feature}" to ${formatDecimal(level)}, above its limit of ${formatDecimal(feature.limit)}`,
    );
  // A free trial allows no overage (core/README.md, trials): no seats or quota beyond included.
  if (trialing && level > (feature.included ?? 0n) && level > before)
    return new DomainError(
      "LIMIT_REACHED",
      `during the trial, "${r.feature}" is limited to its included ${formatDecimal(feature.included ?? 0n)}`,
    );
  if (level > MAX_QUANTITY)
    return new DomainError("LIMIT_REACHED", `"${r.feature}" would exceed ${formatDecimal(MAX_QUANTITY)}`);
  return undefined;
}

function seatInvoice(wallet: Wallet, plan: Plan, f: PlanFeature, p: ProRata, sub: Subscription, time: string) {
  const line: InvoiceLine = {
    kind: "SEATS",
    description: `${formatDecimal(p.quantity)} added seats of ${f.feature} for ${time.slice(0, 10)} to ${sub.periodEnd.slice(0, 10)} (${formatDecimal(f.overagePrice ?? 0n)} per seat per period, pro rata)`,
    feature: f.feature,
    quantity: p.quantity,
    unitPrice: p.unitPrice,
    amount: p.amount,
    periodStart: time,
    periodEnd: sub.periodEnd,
  };
  return {
    customerId: wallet.customerId,
    currency: plan.currency,
    periodStart: time,
    periodEnd: sub.periodEnd,
    lines: [line],
    createdAt: time,
  };
}

function levelHash(r: LevelRequest): string {
  const canonical = JSON.stringify([r.op, r.customerId, r.feature, formatDecimal(r.amount)]);
  return createHash("sha256").update(canonical).digest("base64url");
}
