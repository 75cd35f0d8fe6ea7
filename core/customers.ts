/** Customers: a profile and, created with it, an empty wallet that purchases and subscriptions fill. */
import * as z from "./zod";
import { DomainError } from "./errors";
import type { Deps } from "./deps";
import { IdSchema, JsonSchema, parseInput } from "./validation";
import * as repo from "./db/customers";

export const CreateCustomerInputSchema = z.object({
  id: IdSchema,
  name: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  email: z.nullish(z.email().check(z.maxLength(254))),
  metadata: z.nullish(JsonSchema),
});
export type CreateCustomerInput = z.infer<typeof CreateCustomerInputSchema>;
export type Customer = { id: string; name?: string; email?: string; metadata?: unknown; createdAt: string };

export async function createCustomer(deps: Deps, input: CreateCustomerInput): Promise<Customer> {
  const parsed = parseInput(CreateCustomerInputSchema, input);
  const customer: Customer = {
    id: parsed.id,
    ...(parsed.name ? { name: parsed.name } : {}),
    ...(parsed.email ? { email: parsed.email } : {}),
    ...(parsed.metadata != null ? { metadata: parsed.metadata } : {}),
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertCustomer(deps.db, customer);
  return customer;
}

export const findCustomer = (deps: Deps, id: string) => repo.getCustomer(deps.db, parseInput(IdSchema, id));

export async function getCustomer(deps: Deps, id: string): Promise<Customer> {
  const customer = await findCustomer(deps, id);
  if (!customer) throw new DomainError("NOT_FOUND", `customer "${id}" not found`);
  return customer;
}
