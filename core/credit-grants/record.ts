/** A grantCredits request as recorded: the grant's idempotency record (and its reason, for the audit). */
import * as z from "../zod";
import type { Amount } from "../money";
import { MAX_QUANTITY } from "../bounds";
import { IdSchema } from "../validation";

export const GrantCreditsInputSchema = z.object({
  customerId: IdSchema,
  credits: z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_QUANTITY)),
  reason: z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(500)),
  idempotencyKey: IdSchema,
  expiresAt: z.nullish(z.date()),
});
export type GrantCreditsInput = z.input<typeof GrantCreditsInputSchema>;

/**
 * Grants a wallet holds at once (used-up and expired ones leave it when settled or at a close): the
 * wallet item is rewritten by every track, so its size (write units) stays bounded.
 */
export const MAX_GRANTS = 50;

export type GrantRecord = {
  customerId: string;
  /** The idempotency key, which is also the grant's id in the wallet. */
  id: string;
  credits: Amount;
  reason: string;
  expiresAt?: string;
  createdAt: string;
};

/** Whether a stored record is this request again (a replay) rather than another under its key. */
export const sameGrant = (stored: Omit<GrantRecord, "createdAt">, r: Omit<GrantRecord, "createdAt">) =>
  stored.credits === r.credits && stored.reason === r.reason && (stored.expiresAt ?? null) === (r.expiresAt ?? null);
