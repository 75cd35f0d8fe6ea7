/** Reservations (core/reservations): reserveUsage, settleReservation, releaseReservation, and where they show. */
import {
  customerReservations,
  releaseReservation,
  reserveUsage,
  settleReservation,
  type Reservation,
  type SettleResult,
} from "../core/reservations";
import { getEvent } from "../core/db/events";
import { adminOrIngest } from "./auth";
import { builder } from "./builder";
import { CustomerRef } from "./customers";
import { EntitlementRef } from "./entitlements";
import { UsageEventRef } from "./usage";
import { WalletRef } from "./wallet";

const ReservationStatusEnum = builder.enumType("ReservationStatus", {
  values: ["HELD", "SETTLED", "RELEASED", "EXPIRED"] as const,
});

const ReservationRef = builder.objectRef<Reservation>("Reservation").implement({
  description: "Usage held before expensive work and settled with the actual amount after it.",
  fields: (t) => ({
    id: t.exposeID("id"),
    customerId: t.exposeID("customerId"),
    feature: t.exposeID("feature"),
    idempotencyKey: t.exposeID("idempotencyKey"),
    status: t.field({ type: ReservationStatusEnum, resolve: (r) => r.status }),
    value: t.field({
      type: "Decimal",
      description: "Units held (for AI_MODEL pricing: the tokens the hold was priced from, as their total).",
      resolve: (r) => r.value,
    }),
    credits: t.field({
      type: "Decimal",
      nullable: true,
      description: "CREDITS plans: credits held.",
      resolve: (r) => r.credits ?? null,
    }),
    amount: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: money held.",
      resolve: (r) => r.amount ?? null,
    }),
    expiresAt: t.field({ type: "DateTime", resolve: (r) => r.expiresAt }),
    createdAt: t.field({ type: "DateTime", resolve: (r) => r.createdAt }),
    event: t.field({
      type: UsageEventRef,
      nullable: true,
      description: "The usage event it settled into.",
      resolve: async (r, _, { deps }) =>
        r.status === "SETTLED" ? ((await getEvent(deps.db, r.customerId, r.idempotencyKey)) ?? null) : null,
    }),
  }),
});

const ReserveUsageInput = builder.inputType("ReserveUsageInput", {
  fields: (t) => ({
    customerId: t.id({ required: true }),
    feature: t.id({ required: true }),
    idempotencyKey: t.id({
      required: true,
      description: "Identifies the reservation: reserving again with it returns the same reservation.",
    }),
    value: t.field({ type: "Decimal" }),
    model: t.string(),
    inputTokens: t.int(),
    outputTokens: t.int({ description: "The most output the work may produce (e.g. the call's maxOutputTokens)." }),
    cacheReadTokens: t.int(),
    cacheWriteTokens: t.int(),
    ttlSeconds: t.int({ defaultValue: 300, description: "1 to 86400; default 300." }),
  }),
});

const SettleReservationInput = builder.inputType("SettleReservationInput", {
  fields: (t) => ({
    value: t.field({ type: "Decimal" }),
    inputTokens: t.int(),
    outputTokens: t.int(),
    cacheReadTokens: t.int(),
    cacheWriteTokens: t.int(),
    properties: t.field({ type: "JSON" }),
  }),
});

const SettleReservationPayloadRef = builder.objectRef<SettleResult>("SettleReservationPayload").implement({
  fields: (t) => ({
    reservation: t.field({ type: ReservationRef, resolve: (p) => p.reservation }),
    event: t.field({ type: UsageEventRef, resolve: (p) => p.event }),
    replayed: t.exposeBoolean("replayed"),
    entitlement: t.field({ type: EntitlementRef, resolve: (p) => p.entitlement }),
    capped: t.exposeBoolean("capped", {
      description: "True when the actual usage cost more than the customer had left: only what was there was charged.",
    }),
  }),
});

builder.mutationFields((t) => ({
  reserveUsage: t.field({
    type: ReservationRef,
    authScopes: adminOrIngest,
    args: { input: t.arg({ type: ReserveUsageInput, required: true }) },
    resolve: (_, { input }, { deps }) => reserveUsage(deps, input),
  }),
  settleReservation: t.field({
    type: SettleReservationPayloadRef,
    authScopes: adminOrIngest,
    description: "Settling twice with the same input replays; with another input is IDEMPOTENCY_KEY_REUSED.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: SettleReservationInput, required: true }) },
    resolve: (_, { id, input }, { deps }) => settleReservation(deps, String(id), input),
  }),
  releaseReservation: t.field({
    type: ReservationRef,
    authScopes: adminOrIngest,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { deps }) => releaseReservation(deps, String(id)),
  }),
}));

builder.objectFields(WalletRef, (t) => ({
  heldCredits: t.field({
    type: "Decimal",
    nullable: true,
    description: "CREDITS plans: credits held by open reservations (not in credits any more).",
    resolve: (w) => w.heldCredits ?? null,
  }),
  heldAmount: t.field({
    type: "Money",
    nullable: true,
    description: "BALANCE plans: money held by open reservations (not in balance any more).",
    resolve: (w) => w.heldAmount ?? null,
  }),
}));

builder.objectField(CustomerRef, "reservations", (t) =>
  t.field({
    type: [ReservationRef],
    args: { status: t.arg({ type: ReservationStatusEnum, defaultValue: "HELD" }) },
    resolve: (c, a, { deps }) => customerReservations(deps, c.id, a.status ?? "HELD"),
  }),
);
