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
/**
 * What `updateCustomer` may change: a field left out stays as it is, `null` removes it. The same
 * rules as at creation (a name of 1 to 200 characters, an email, metadata up to 8 KB and 5 levels).
 */
export const UpdateCustomerInputSchema = z.object({
  name: CreateCustomerInputSchema.shape.name,
  email: CreateCustomerInputSchema.shape.email,
  metadata: CreateCustomerInputSchema.shape.metadata,
});
export type UpdateCustomerInput = z.infer<typeof UpdateCustomerInputSchema>;

export type Customer = {
  id: string;
  name?: string;
  email?: string;
  metadata?: unknown;
  createdAt: string;
  /** When its profile last changed (updateCustomer). */
  updatedAt?: string;
  /** Bumped by every change of the profile, which is conditioned on it (0 when never changed). */
  revision?: number;
  /** When deleteCustomer erased its personal data; it keeps its id, invoices and usage events. */
  deletedAt?: string;
};
