/**
 * The business events, one constructor each: their `detail-type`s (EventType) and payloads (what
 * docs/events.md lists). Each id is derived from what it describes, so the same change always
 * makes the same event (./billing-event.ts); they are published after the commit (./publish.ts).
 */
import { formatDecimal, formatMoney } from "../money";
import type { Invoice } from "../invoices/invoice";
import type { Subscription } from "../wallet";
import type { BillingEvent } from "./billing-event";

export const EventType = {
  INVOICE_CREATED: "invoice.created",
  INVOICE_PAID: "invoice.paid",
  INVOICE_VOIDED: "invoice.voided",
  SUBSCRIPTION_CREATED: "subscription.created",
  SUBSCRIPTION_RENEWED: "subscription.renewed",
  SUBSCRIPTION_PLAN_CHANGED: "subscription.plan_changed",
  SUBSCRIPTION_CANCELED: "subscription.canceled",
  CREDITS_DEPLETED: "credits.depleted",
  BALANCE_NEGATIVE: "balance.negative",
  CREDITS_PURCHASED: "credits.purchased",
  BALANCE_TOPPED_UP: "balance.topped_up",
  WEBHOOK_ENDPOINT_DISABLED: "webhook_endpoint.disabled",
  CREDITS_LOW: "credits.low",
  BALANCE_LOW: "balance.low",
  USAGE_THRESHOLD_REACHED: "usage.threshold_reached",
  ALERT_TRIGGERED: "alert.triggered",
  TRIAL_WILL_END: "trial.will_end",
  TRIAL_ENDED: "trial.ended",
  RESERVATION_EXPIRED: "reservation.expired",
} as const;

const event = (id: string, type: string, time: string, detail: Record<string, unknown>): BillingEvent => ({
  id,
  type,
  version: 1,
  time,
  detail,
});

export const invoiceCreated = (invoice: Invoice) =>
  event(`${EventType.INVOICE_CREATED}:${invoice.id}`, EventType.INVOICE_CREATED, invoice.createdAt, {
    invoice: {
      id: invoice.id,
      number: invoice.number,
      customerId: invoice.customerId,
      status: invoice.status,
      currency: invoice.currency,
      periodStart: invoice.periodStart ?? null,
      periodEnd: invoice.periodEnd ?? null,
      subtotal: formatMoney(invoice.subtotal),
      total: formatMoney(invoice.total),
      creditedToAccount: formatMoney(invoice.creditedToAccount),
      lines: invoice.lines.map((l) => ({
        kind: l.kind,
        description: l.description,
        feature: l.feature ?? null,
        quantity: formatDecimal(l.quantity),
        unitPrice: formatMoney(l.unitPrice),
        amount: formatMoney(l.amount),
        periodStart: l.periodStart ?? null,
        periodEnd: l.periodEnd ?? null,
      })),
    },
  });

const invoiceSummary = (invoice: Invoice) => ({
  id: invoice.id,
  number: invoice.number,
  customerId: invoice.customerId,
  currency: invoice.currency,
  total: formatMoney(invoice.total),
});

export const invoicePaid = (invoice: Invoice, time: string) =>
  event(`${EventType.INVOICE_PAID}:${invoice.id}`, EventType.INVOICE_PAID, time, {
    invoice: invoiceSummary(invoice),
    paidAt: time,
  });

/** The events of a newly issued invoice: created, and paid at once when it has nothing to collect. */
export const invoiceIssued = (invoice: Invoice) => [
  invoiceCreated(invoice),
  ...(invoice.status === "PAID" ? [invoicePaid(invoice, invoice.createdAt)] : []),
];

export const invoiceVoided = (invoice: Invoice, time: string) => {
  const r = invoice.reversal;
  const amount = r?.kind === "TOP_UP" ? formatMoney : formatDecimal;
  return event(`${EventType.INVOICE_VOIDED}:${invoice.id}`, EventType.INVOICE_VOIDED, time, {
    invoice: invoiceSummary(invoice),
    voidedAt: time,
    reversal: r
      ? {
          kind: r.kind,
          unit: r.kind === "TOP_UP" ? invoice.currency : "credits",
          granted: amount(r.granted),
          unspent: amount(r.unspent),
          spent: amount(r.spent),
        }
      : null,
    // The account credit the invoice had applied, given back as a grant (core/invoices/void.ts).
    accountCreditReturned:
      invoice.accountCreditReturned !== undefined ? formatMoney(invoice.accountCreditReturned) : null,
  });
};

export const subscriptionCreated = (customerId: string, sub: Subscription) =>
  event(
    `${EventType.SUBSCRIPTION_CREATED}:${customerId}:${sub.periodStart}`,
    EventType.SUBSCRIPTION_CREATED,
    sub.periodStart,
    {
      customerId,
      planCode: sub.planCode,
      periodStart: sub.periodStart,
      periodEnd: sub.periodEnd,
    },
  );

/** A plan change taking effect: IMMEDIATE at the change, PERIOD_END at the renewal it was scheduled for. */
export const subscriptionPlanChanged = (
  customerId: string,
  from: string,
  sub: Subscription,
  timing: "IMMEDIATE" | "PERIOD_END",
) =>
  event(
    `${EventType.SUBSCRIPTION_PLAN_CHANGED}:${customerId}:${sub.periodStart}`,
    EventType.SUBSCRIPTION_PLAN_CHANGED,
    sub.periodStart,
    {
      customerId,
      fromPlanCode: from,
      planCode: sub.planCode,
      timing,
      periodStart: sub.periodStart,
      periodEnd: sub.periodEnd,
    },
  );

export const subscriptionRenewed = (customerId: string, sub: Subscription, time: string) =>
  event(`${EventType.SUBSCRIPTION_RENEWED}:${customerId}:${sub.periodStart}`, EventType.SUBSCRIPTION_RENEWED, time, {
    customerId,
    planCode: sub.planCode,
    periodStart: sub.periodStart,
    periodEnd: sub.periodEnd,
  });

/** Published 3 days before a trial ends (at once for a shorter trial). */
export const trialWillEnd = (customerId: string, sub: Subscription, time: string) =>
  event(`${EventType.TRIAL_WILL_END}:${customerId}:${sub.trialEnd}`, EventType.TRIAL_WILL_END, time, {
    customerId,
    planCode: sub.planCode,
    trialStart: sub.periodStart,
    trialEnd: sub.trialEnd,
  });

/**
 * A trial's end: at `trialEnd` (`outcome` CONVERTED: the first paid period starts; CANCELED: it was
 * set to cancel), or earlier by an immediate plan change (CONVERTED) or cancel (CANCELED).
 */
export const trialEnded = (customerId: string, sub: Subscription, time: string, outcome: "CONVERTED" | "CANCELED") =>
  event(`${EventType.TRIAL_ENDED}:${customerId}:${sub.trialEnd}`, EventType.TRIAL_ENDED, time, {
    customerId,
    planCode: sub.planCode,
    trialStart: sub.periodStart,
    trialEnd: sub.trialEnd,
    endedAt: time,
    outcome,
  });

export const subscriptionCanceled = (customerId: string, sub: Subscription, time: string) =>
  event(`${EventType.SUBSCRIPTION_CANCELED}:${customerId}:${sub.periodStart}`, EventType.SUBSCRIPTION_CANCELED, time, {
    customerId,
    planCode: sub.planCode,
    canceledAt: time,
  });

export const creditsDepleted = (customerId: string, periodStart: string, time: string) =>
  event(`${EventType.CREDITS_DEPLETED}:${customerId}:${periodStart}`, EventType.CREDITS_DEPLETED, time, {
    customerId,
    periodStart,
  });

export const balanceNegative = (customerId: string, periodStart: string, time: string, balance: bigint) =>
  event(`${EventType.BALANCE_NEGATIVE}:${customerId}:${periodStart}`, EventType.BALANCE_NEGATIVE, time, {
    customerId,
    periodStart,
    balance: formatMoney(balance),
  });

/** A reservation's hold given back because it was not settled or released in time (core/reservations). */
export const reservationExpired = (
  r: {
    id: string;
    customerId: string;
    feature: string;
    idempotencyKey: string;
    value: bigint;
    credits?: bigint;
    amount?: bigint;
    expiresAt: string;
  },
  time: string,
) =>
  event(`${EventType.RESERVATION_EXPIRED}:${r.id}`, EventType.RESERVATION_EXPIRED, time, {
    reservation: {
      id: r.id,
      customerId: r.customerId,
      feature: r.feature,
      idempotencyKey: r.idempotencyKey,
      value: formatDecimal(r.value),
      credits: r.credits !== undefined ? formatDecimal(r.credits) : null,
      amount: r.amount !== undefined ? formatMoney(r.amount) : null,
      expiresAt: r.expiresAt,
    },
  });

/** A credit pack bought: written with its invoice, in the purchase's transaction. */
export const creditsPurchased = (
  invoice: Invoice,
  purchase: { packCode: string; credits: bigint; price: bigint; idempotencyKey: string },
  /** When the credits arrived: the invoice's issue, or its payment for a purchase granted on payment. */
  time = invoice.createdAt,
) =>
  event(`${EventType.CREDITS_PURCHASED}:${invoice.id}`, EventType.CREDITS_PURCHASED, time, {
    customerId: invoice.customerId,
    packCode: purchase.packCode,
    credits: formatDecimal(purchase.credits),
    price: formatMoney(purchase.price),
    currency: invoice.currency,
    invoiceId: invoice.id,
    idempotencyKey: purchase.idempotencyKey,
  });

/** A balance top-up: written with its invoice, in the purchase's transaction (or its payment's). */
export const balanceToppedUp = (
  invoice: Invoice,
  purchase: { amount: bigint; idempotencyKey: string },
  time = invoice.createdAt,
) =>
  event(`${EventType.BALANCE_TOPPED_UP}:${invoice.id}`, EventType.BALANCE_TOPPED_UP, time, {
    customerId: invoice.customerId,
    amount: formatMoney(purchase.amount),
    currency: invoice.currency,
    invoiceId: invoice.id,
    idempotencyKey: purchase.idempotencyKey,
  });

/** A webhook endpoint disabled after failing for days without a success (core/webhooks/health.ts). */
export const webhookEndpointDisabled = (
  endpoint: { id: string; url: string },
  failingSince: string,
  reason: string,
  time: string,
) =>
  event(
    `${EventType.WEBHOOK_ENDPOINT_DISABLED}:${endpoint.id}:${failingSince}`,
    EventType.WEBHOOK_ENDPOINT_DISABLED,
    time,
    { endpointId: endpoint.id, url: endpoint.url, reason, failingSince, disabledAt: time },
  );

/**
 * Thresholds (core/alerts): each fired by the one usage write that crossed it, in its transaction.
 * Their payloads say which threshold was crossed, exactly; the level after the write is not in them
 * (concurrent writes make it a moving number): read the wallet or `customer.usage` for that.
 */
export const usageThresholdReached = (
  customerId: string,
  periodStart: string,
  time: string,
  t: { feature: string; percent: number; included: bigint; threshold: bigint },
) =>
  event(
    `${EventType.USAGE_THRESHOLD_REACHED}:${customerId}:${t.feature}:${periodStart}:${t.percent}`,
    EventType.USAGE_THRESHOLD_REACHED,
    time,
    {
      customerId,
      feature: t.feature,
      percent: t.percent,
      included: formatDecimal(t.included),
      threshold: formatDecimal(t.threshold),
      periodStart,
    },
  );

/**
 * credits.low (credits) or balance.low (money): what is left fell to 10% of `granted`. `firing`: the
 * how-manieth time it fired this period; from the second on the id ends with it, because a void can
 * bring `granted` back to a value it already fired at this period.
 */
export const fundsLow = (
  type: "credits.low" | "balance.low",
  customerId: string,
  periodStart: string,
  time: string,
  t: { granted: bigint; threshold: bigint; firing: number },
) => {
  const amount = type === "credits.low" ? formatDecimal : formatMoney;
  const nth = t.firing > 1 ? `:${t.firing}` : "";
  return event(`${type}:${customerId}:${periodStart}:${formatDecimal(t.granted)}${nth}`, type, time, {
    customerId,
    periodStart,
    granted: amount(t.granted),
    threshold: amount(t.threshold),
  });
};

export type AlertSummary = {
  id: string;
  customerId: string;
  feature?: string;
  metric: string;
  threshold: bigint;
  recurrence: string;
};

/** A custom alert fired; `triggers` counts its firings (1 for the first), so each has its own id. */
export const alertTriggered = (alert: AlertSummary, triggers: number, periodStart: string, time: string) => {
  const money = alert.metric === "SPEND" || alert.metric === "BALANCE_REMAINING";
  return event(`${EventType.ALERT_TRIGGERED}:${alert.id}:${triggers}`, EventType.ALERT_TRIGGERED, time, {
    alert: {
      id: alert.id,
      customerId: alert.customerId,
      feature: alert.feature ?? null,
      metric: alert.metric,
      threshold: money ? formatMoney(alert.threshold) : formatDecimal(alert.threshold),
      recurrence: alert.recurrence,
    },
    triggers,
    periodStart,
    triggeredAt: time,
  });
};
