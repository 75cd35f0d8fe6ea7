/** Credit packs: credits sold one-off; purchased credits never expire (see core/purchases). */
import * as z from "../zod";
import type { Amount } from "../money";
import { MAX_QUANTITY } from "../bounds";
import { CurrencySchema, IdSchema, NameSchema, PriceSchema } from "../validation";

export const CreateCreditPackInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  credits: z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_QUANTITY)),
  price: PriceSchema,
  currency: z.nullish(CurrencySchema),
});
export type CreateCreditPackInput = z.infer<typeof CreateCreditPackInputSchema>;
export type CreditPack = {
  code: string;
  name: string;
  credits: Amount;
  price: Amount;
  currency: string;
  createdAt: string;
};
