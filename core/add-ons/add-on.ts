/**
 * Add-ons: a price per period of the subscription plus what they give, attached to a subscription
 * on top of its plan (./index.ts, ./attach.ts). An add-on names one feature and either
 *
 * - **grants** into the plan's pool each period, in the unit the plan's model counts: included
 *   units of that METERED feature (METERED plans), plan credits (CREDITS) or allowance money
 *   (BALANCE); the plan must price the feature; or
 * - turns on a **BOOLEAN** feature (`grants` null), on any plan.
 *
 * A subscription keeps a copy of the terms it attached (`AttachedAddOn`, on the wallet like a
 * coupon), so what it pays and gets never changes under it.
 */
import * as z from "../zod";
import type { Amount } from "../money";
import { MAX_EVENT_QUANTITY } from "../bounds";
import { CurrencySchema, IdSchema, NameSchema, PriceSchema } from "../validation";

export type AddOn = {
  code: string;
  name: string;
  feature: string;
  /** Per period of the subscription (the wallet's period, the plan's resetInterval), per unit of quantity. */
  price: Amount;
  currency: string;
  /** Units, credits or money into the plan's pool each period; absent: it turns on a BOOLEAN feature. */
  grants?: Amount;
  archived: boolean;
  createdAt: string;
};

/** An add-on as a subscription holds it: its terms when attached, how many, and whether it ends at the period's end. */
export type AttachedAddOn = Omit<AddOn, "archived" | "createdAt"> & {
  /** A whole number, 1 to MAX_ADD_ON_QUANTITY: price and grant are multiplied by it. */
  quantity: number;
  attachedAt: string;
  /** detachAddOn was called: it ends when the current period does. */
  detaching?: boolean;
};

export const MAX_ADD_ON_QUANTITY = 1000;
/** The most add-ons one subscription holds at once (they live on the wallet item). */
export const MAX_ATTACHED_ADD_ONS = 20;

export const CreateAddOnInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  feature: IdSchema,
  price: PriceSchema,
  currency: z.nullish(CurrencySchema),
  grants: z.nullish(z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_EVENT_QUANTITY))),
});
export type CreateAddOnInput = z.input<typeof CreateAddOnInputSchema>;

export const AttachAddOnInputSchema = z.object({
  customerId: IdSchema,
  addOnCode: IdSchema,
  quantity: z.nullish(
    z.number().check(z.int("must be a whole number"), z.gte(1, "must be at least 1"), z.lte(MAX_ADD_ON_QUANTITY)),
  ),
  idempotencyKey: IdSchema,
});
export type AttachAddOnInput = z.input<typeof AttachAddOnInputSchema>;

export const attachedTerms = (a: AddOn, quantity: number, attachedAt: string): AttachedAddOn => ({
  code: a.code,
  name: a.name,
  feature: a.feature,
  price: a.price,
  currency: a.currency,
  ...(a.grants !== undefined ? { grants: a.grants } : {}),
  quantity,
  attachedAt,
});
