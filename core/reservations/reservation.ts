/**
 * A reservation: usage held before expensive work (an LLM call) and settled with the actual usage
 * after it. Its item is also the idempotency record of `reserveUsage`
 * (by key, per customer), and its status moves only by conditional writes:
 *
 *   HELD -> SETTLED | RELEASED | EXPIRED,   EXPIRED -> SETTLED (a late settle, from what is available)
 *
 * so settle, release, expiry and a period close racing each other end in exactly one outcome.
 *
 * A reservation made with its entry in the wallet's open holds (`walletHeld`, every one since
 * 2026-12-02) is open exactly while that entry is there: every end removes it under the condition
 * that it exists, so one end wins. A settle from HELD writes only its usage event and the wallet
 * (2 items, as a track's), leaving the item's stored status HELD; such an item whose entry is gone
 * is SETTLED (`asSeen`), and the sweeper writes that down when its hold would have been due
 * (core/README.md "Settles that leave the reservation as it is").
 */
import { createHash } from "node:crypto";
import type { Amount } from "../money";
import type { Hold } from "../models/types";
import { expiredHeldCredits, type Wallet } from "../wallet";
import * as z from "../zod";
import { IdSchema, JsonSchema, parseInput } from "../validation";
import { DomainError } from "../errors";
import { requestHash, type TrackRequest } from "../usage/event";
import { parseTrackRequest, USAGE_FIELDS } from "../usage/input";

export const ReservationStatus = {
  HELD: "HELD",
  SETTLED: "SETTLED",
  RELEASED: "RELEASED",
  EXPIRED: "EXPIRED",
} as const;
export type ReservationStatus = (typeof ReservationStatus)[keyof typeof ReservationStatus];

export type Reservation = {
  id: string;
  customerId: string;
  feature: string;
  idempotencyKey: string;
  status: ReservationStatus;
  /** Units held (AI_MODEL: the tokens the hold was priced from, as their total). */
  value: Amount;
  /** Credits held (CREDITS plans). */
  credits?: Amount;
  /** Money held (BALANCE plans). */
  amount?: Amount;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  expiresAt: string;
  createdAt: string;
  /**
   * Fingerprint of the reserve request, its ttlSeconds included (its replays and reuses are told
   * apart by it). A settle's fingerprint is its usage event's `requestHash`, not repeated here.
   */
  requestHash: string;
  /** Set when a settle was capped (absent: it was not). */
  capped?: boolean;
  /** When a release or an expiry ended the hold (a settle's time is its usage event's `recordedAt`). */
  closedAt?: string;
  /** Its hold is an entry of the wallet's open holds, open while it is there (see above). */
  walletHeld?: true;
};

/**
 * The reservation as it is: a stored HELD whose open-hold entry `holds` (the wallet's) no longer
 * has was settled (its settle left the item as it is). `holds` must come from a read at or after
 * the reservation's (a view from before it may miss an entry made since).
 */
export function asSeen(r: Reservation, holds: Record<string, string> | undefined): Reservation {
  if (!r.walletHeld || r.status !== "HELD" || (holds && Object.hasOwn(holds, r.idempotencyKey))) return r;
  return { ...r, status: "SETTLED" };
}

export const DEFAULT_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 86_400;

export const ReserveUsageInputSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  idempotencyKey: IdSchema,
  ...USAGE_FIELDS,
  ttlSeconds: z.nullish(
    z.number().check(z.int(), z.gte(1, "must be at least 1"), z.lte(MAX_TTL_SECONDS, "must be at most 86400")),
  ),
});
export type ReserveUsageInput = z.input<typeof ReserveUsageInputSchema>;

// A settle names no model: it is the reservation's.
const { model: _model, ...SETTLED_USAGE } = USAGE_FIELDS;

export const SettleReservationInputSchema = z.object({
  ...SETTLED_USAGE,
  properties: z.nullish(JsonSchema),
});
export type SettleReservationInput = z.input<typeof SettleReservationInputSchema>;

/** A reserve request: what is priced (like a track at this instant) and for how long it holds. */
export type ReserveRequest = { usage: TrackRequest; ttlSeconds: number; hash: string };

export function parseReserveRequest(input: ReserveUsageInput): ReserveRequest {
  const { ttlSeconds, ...rest } = parseInput(ReserveUsageInputSchema, input);
  const usage = parseTrackRequest(rest);
  const ttl = ttlSeconds ?? DEFAULT_TTL_SECONDS;
  return { usage, ttlSeconds: ttl, hash: hashOf(`${requestHash(usage)}:${ttl}`) };
}

/**
 * The usage a settle records, as a track of it would: the reservation's customer, feature, key
 * and model, with the actual units or tokens. The actual usage must be given (to record nothing,
 * release the reservation instead).
 */
export function settleRequest(reservation: Reservation, input: SettleReservationInput): TrackRequest {
  const actual = parseInput(SettleReservationInputSchema, input);
  const tokens = [actual.inputTokens, actual.outputTokens, actual.cacheReadTokens, actual.cacheWriteTokens];
  if (actual.value == null && tokens.every((t) => t == null))
    throw new DomainError(
      "BAD_USER_INPUT",
      "input.value or token counts are required: the actual usage (to record nothing, release the reservation)",
    );
  return parseTrackRequest({
    customerId: reservation.customerId,
    feature: reservation.feature,
    idempotencyKey: reservation.idempotencyKey,
    model: reservation.model ?? null,
    ...actual,
  });
}

export const holdOf = (r: Reservation): Hold => ({
  quantity: r.value,
  credits: r.credits ?? 0n,
  amount: r.amount ?? 0n,
});

/**
 * The wallet with `hold` (of `feature`) moved into held (sign 1) or back (-1): what the write's
 * hold move does. Given back by a settle charging `charged` credits (0: a release or an expiry),
 * what the hold kept of expired grants is consumed or goes to nobody (expiredHeldCredits): it
 * does not come back to `credits`, and what it pays for is not used from the pools (`creditsUsed`).
 */
export function moveHold(w: Wallet, feature: string, hold: Hold, sign: 1n | -1n, charged = 0n): Wallet {
  const { consumed, lost } = sign < 0n ? expiredHeldCredits(w, hold.credits, charged) : { consumed: 0n, lost: 0n };
  const heldExpired = (w.heldExpired ?? 0n) - consumed - lost;
  const { heldExpired: _before, ...rest } = w;
  return {
    ...rest,
    ...(heldExpired > 0n ? { heldExpired } : {}),
    // The consumed part stays for the settle's charge to take (applyCharge), which then adds it to
    // `creditsUsed` although no pool paid it: taken off here, so the pools' shares stay right.
    credits: w.credits - sign * hold.credits - lost,
    creditsUsed: w.creditsUsed - consumed,
    heldCredits: w.heldCredits + sign * hold.credits,
    balance: w.balance - sign * hold.amount,
    heldAmount: w.heldAmount + sign * hold.amount,
    usage: { ...w.usage, [feature]: (w.usage[feature] ?? 0n) + sign * hold.quantity },
    heldUsage: { ...w.heldUsage, [feature]: (w.heldUsage[feature] ?? 0n) + sign * hold.quantity },
  };
}

/** Nothing held: what a settle after expiry starts from (the hold was given back). */
export const NO_HOLD: Hold = { quantity: 0n, credits: 0n, amount: 0n };

/** Opaque to clients, and naming its item: base64url of [customerId, idempotencyKey]. */
export const reservationId = (customerId: string, idempotencyKey: string) =>
  `rsv_${Buffer.from(JSON.stringify([customerId, idempotencyKey])).toString("base64url")}`;

/** The customer and key a reservation id names; NOT_FOUND for anything that is not one. */
export function parseReservationId(id: string): { customerId: string; idempotencyKey: string } {
  // The error is built only when thrown: an Error captures its stack when constructed, which cost
  // every settle about 0.04 ms of CPU when it was built up front.
  const notFound = () => new DomainError("NOT_FOUND", `reservation "${id.slice(0, 64)}" not found`);
  if (!id.startsWith("rsv_") || id.length > 600) throw notFound();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(id.slice(4), "base64url").toString("utf8"));
  } catch {
    throw notFound();
  }
  if (!Array.isArray(value) || value.length !== 2) throw notFound();
  const [customerId, idempotencyKey] = value as unknown[];
  if (!IdSchema.safeParse(customerId).success || !IdSchema.safeParse(idempotencyKey).success) throw notFound();
  return { customerId: customerId as string, idempotencyKey: idempotencyKey as string };
}

const hashOf = (text: string) => createHash("sha256").update(text).digest("base64url");
