/**
 * attachAddOn and detachAddOn (the rules: ./add-on.ts, ./terms.ts).
 *
 * Attaching is one transaction (core/db/add-ons.ts): the idempotency record, the wallet's entry
 * for the add-on with its grant ADDed to the period's pool at once, in full (CREDITS: plan credits,
 * BALANCE: allowance; METERED: its included units count from now, through the plan the add-on
 * extends), and the invoice of its price pro rata for the rest of the period (an ADD_ON line,
 * exact, rounded once). Full grant, pro-rata price: the customer gets what the add-on promises for
 * the period it is in and pays for the part of it left. That invoice takes account credit, like
 * every subscription invoice, in the same transaction (core/invoices/settle.ts `settleMidPeriod`;
 * two invoices racing for one grant cannot both spend it). Two attaches of one add-on race on its
 * entry: one lands, the other answers ALREADY_EXISTS (or, with the same key, the replay).
 *
 * Detaching takes effect at the period's end: the add-on keeps working, and nothing is given back,
 * for the period it was paid for; the renewal neither bills nor grants it. Attaching it again before
 * then (same quantity) keeps it, with nothing more to pay. Detaching is idempotent by its state:
 * a second call answers the same subscription.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { periodGrant } from "../models";
import { periodLeft } from "../models/levels";
import { planFeatureOf, type Plan } from "../plans/plan";
import { activeSubscription, byAttachment, inTrial, type PeriodGrant, type Subscription, type Wallet } from "../wallet";
import { settleMidPeriod } from "../invoices/settle";
import { invoiceIssued } from "../events";
import { publish } from "../events/publish";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { parseInput, IdSchema } from "../validation";
import { currentWallet } from "../usage/current";
import { pricingPlan } from "../usage/load";
import { findAttachment, getAddOn, markDetaching, writeAttachment, type AttachmentRecord } from "../db/add-ons";
import {
  AttachAddOnInputSchema,
  attachedTerms,
  MAX_ATTACHED_ADD_ONS,
  type AddOn,
  type AttachAddOnInput,
  type AttachedAddOn,
} from "./add-on";
import { attachLine, withAddOns } from "./terms";

const exhausted = () =>
  new DomainError("CONFLICT", "the customer's subscription changed concurrently too often; retry with the same key");

export async function attachAddOn(deps: Deps, input: AttachAddOnInput): Promise<Subscription> {
  const r = parseInput(AttachAddOnInputSchema, input, "");
  const record: Omit<AttachmentRecord, "createdAt"> = {
    customerId: r.customerId,
    idempotencyKey: r.idempotencyKey,
    addOnCode: r.addOnCode,
    quantity: r.quantity ?? 1,
  };
  const addOn = await getAddOn(deps.db, r.addOnCode);
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, () => attempt(deps, record, addOn));
}

async function attempt(
  deps: Deps,
  r: Omit<AttachmentRecord, "createdAt">,
  addOn: AddOn | undefined,
): Promise<Subscription | typeof RETRY> {
  const { wallet, plan, now } = await currentWallet(deps, r.customerId, { close: true });
  const sub = activeSubscription(wallet);
  if (!sub || !plan)
    return replayOr(
      deps,
      r,
      new DomainError("NO_SUBSCRIPTION", `customer "${r.customerId}" has no active subscription`),
    );
  if (!addOn) return replayOr(deps, r, new DomainError("NOT_FOUND", `add-on "${r.addOnCode}" not found`));
  const refused = refusal(r, addOn, sub, await pricingPlan(deps, sub.planCode));
  if (refused) return replayOr(deps, r, refused);
  const existing = sub.addOns?.find((a) => a.code === addOn.code);
  const time = now.toISOString();
  const attached: AttachedAddOn = existing ? withoutDetaching(existing) : attachedTerms(addOn, r.quantity, time);
  const line = existing ? undefined : attachLine(attached, periodLeft(wallet, now), time, sub.periodEnd);
  const settled = line
    ? settleMidPeriod(wallet, {
        customerId: r.customerId,
        currency: attached.currency,
        periodStart: time,
        periodEnd: sub.periodEnd,
        lines: [line],
        createdAt: time,
      })
    : undefined;
  const written = await writeAttachment(
    deps.db,
    {
      record: { ...r, createdAt: time },
      period: { planCode: sub.planCode, periodStart: sub.periodStart },
      addOn: attached,
      was: existing ? "detaching" : sub.addOns?.length ? "none" : "noMap",
      grant: existing ? { planCredits: 0n, allowance: 0n } : grantOf(plan, attached),
      maxAttached: MAX_ATTACHED_ADD_ONS,
      ...(settled?.taken ? { credit: settled.taken } : {}),
    },
    settled ? [settled.draft] : [],
    (invoices) => invoices.flatMap(invoiceIssued),
  );
  if (written.ok) {
    if (written.events.length) await publish(deps, written.events, written.outbox);
    const others = (sub.addOns ?? []).filter((a) => a.code !== attached.code);
    return { ...sub, addOns: [...others, attached].sort(byAttachment) };
  }
  if ("duplicate" in written) return replayed(deps, r, written.duplicate);
  return RETRY; // the subscription, its period or the add-on's entry changed since the read
}

function refusal(
  r: Omit<AttachmentRecord, "createdAt">,
  addOn: AddOn,
  sub: Subscription,
  plan: Plan,
): DomainError | undefined {
  const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);
  if (addOn.archived) return bad(`addOnCode: add-on "${addOn.code}" is archived`);
  if (inTrial(sub)) return bad(`addOnCode: add-ons are attached after the free trial (it ends ${sub.periodEnd})`);
  if (addOn.currency !== plan.currency)
    return bad(
      `addOnCode: add-on "${addOn.code}" is priced in ${addOn.currency}; plan "${plan.code}" bills in ${plan.currency}`,
    );
  if (addOn.grants !== undefined && planFeatureOf(plan, addOn.feature)?.kind !== "METERED")
    return new DomainError(
      "FEATURE_NOT_IN_PLAN",
      `plan "${plan.code}" does not price "${addOn.feature}", which add-on "${addOn.code}" grants`,
    );
  const existing = sub.addOns?.find((a) => a.code === addOn.code);
  if (existing && !existing.detaching)
    return new DomainError(
      "ALREADY_EXISTS",
      `add-on "${addOn.code}" is already attached to customer "${r.customerId}" (quantity ${existing.quantity})`,
    );
  if (existing && existing.quantity !== r.quantity)
    return bad(
      `quantity: add-on "${addOn.code}" is attached with quantity ${existing.quantity} until the period ends; attach it with that quantity to keep it`,
    );
  if (!existing && (sub.addOns?.length ?? 0) >= MAX_ATTACHED_ADD_ONS)
    return new DomainError("LIMIT_REACHED", `a subscription holds at most ${MAX_ATTACHED_ADD_ONS} add-ons`);
  return undefined;
}

/** What the add-on adds to the period's pools now: its full grant (the model decides which pool). */
function grantOf(plan: Plan, attached: AttachedAddOn): PeriodGrant {
  const before = periodGrant(plan);
  const after = periodGrant(withAddOns(plan, { addOns: [attached] }));
  return { planCredits: after.planCredits - before.planCredits, allowance: after.allowance - before.allowance };
}

const withoutDetaching = ({ detaching: _d, ...a }: AttachedAddOn): AttachedAddOn => a;

async function replayOr(deps: Deps, r: Omit<AttachmentRecord, "createdAt">, error: DomainError): Promise<Subscription> {
  const stored = await findAttachment(deps.db, r.customerId, r.idempotencyKey);
  if (stored) return replayed(deps, r, stored);
  throw error;
}

/** A replay answers the subscription as it is now; another request under the key is refused. */
async function replayed(
  deps: Deps,
  r: Omit<AttachmentRecord, "createdAt">,
  stored: AttachmentRecord,
): Promise<Subscription> {
  if (stored.addOnCode !== r.addOnCode || stored.quantity !== r.quantity)
    throw new DomainError(
      "IDEMPOTENCY_KEY_REUSED",
      `idempotency key "${r.idempotencyKey}" was used to attach add-on "${stored.addOnCode}" (quantity ${stored.quantity})`,
    );
  const { wallet } = await currentWallet(deps, r.customerId);
  return subscriptionOf(wallet);
}

const subscriptionOf = (wallet: Wallet): Subscription => {
  if (!wallet.subscription)
    throw new DomainError("NO_SUBSCRIPTION", `customer "${wallet.customerId}" has no subscription`);
  return wallet.subscription;
};

export async function detachAddOn(deps: Deps, customerId: string, addOnCode: string): Promise<Subscription> {
  parseInput(IdSchema, customerId, "customerId");
  parseInput(IdSchema, addOnCode, "addOnCode");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const { wallet } = await currentWallet(deps, customerId, { close: true });
    const sub = activeSubscription(wallet);
    if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${customerId}" has no active subscription`);
    const entry = sub.addOns?.find((a) => a.code === addOnCode);
    if (!entry) throw new DomainError("NOT_FOUND", `add-on "${addOnCode}" is not attached to customer "${customerId}"`);
    if (entry.detaching) return sub; // detaching twice changes nothing
    const period = { planCode: sub.planCode, periodStart: sub.periodStart };
    if (!(await markDetaching(deps.db, customerId, addOnCode, period))) return RETRY;
    return { ...sub, addOns: sub.addOns!.map((a) => (a.code === addOnCode ? { ...a, detaching: true } : a)) };
  });
}
