/** A customer: a profile; its wallet (core/wallet.ts) is created with it. */
import * as z from "../zod";
import { IdSchema, JsonSchema } from "../validation";

export const CreateCustomerInputSchema = z.object({
  id: IdSchema,
  name: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  email: z.nullish(z.email().check(z.maxLength(254))),
  metadata: z.nullish(JsonSchema),
});
export type CreateCustomerInput = z.infer<typeof CreateCustomerInputSchema>;
export type Customer = { id: string; name?: string; email?: string; metadata?: unknown; createdAt: string };
