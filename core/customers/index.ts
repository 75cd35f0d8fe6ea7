/**
 * Customers: a profile (./customer.ts) and, created with it, an empty wallet that purchases and subscriptions fill.
 *
 * Creating is idempotent by id, so a metering service (an INGEST key) can create a customer on
 * first use and simply retry: the same input again returns the stored customer and writes nothing;
 * another input (a different name, email or metadata) under a taken id is ALREADY_EXISTS.
 */
import { DomainError } from "../errors";
import type { Deps } from "../deps";
import { IdSchema, parseInput } from "../validation";
import * as repo from "../db/customers";
import { canonicalJson } from "../canonical-json";
import { CreateCustomerInputSchema, type CreateCustomerInput, type Customer } from "./customer";

export { CreateCustomerInputSchema, type CreateCustomerInput, type Customer } from "./customer";

export async function createCustomer(deps: Deps, input: CreateCustomerInput): Promise<Customer> {
  const parsed = parseInput(CreateCustomerInputSchema, input);
  const customer: Customer = {
    id: parsed.id,
    ...(parsed.name ? { name: parsed.name } : {}),
    ...(parsed.email ? { email: parsed.email } : {}),
    ...(parsed.metadata != null ? { metadata: parsed.metadata } : {}),
    createdAt: (await deps.clock.now()).toISOString(),
  };
  const stored = await repo.insertCustomer(deps.db, customer);
  if (!stored) return customer;
  if (sameProfile(stored, customer)) return stored;
  throw new DomainError("ALREADY_EXISTS", `customer "${customer.id}" already exists with other details`);
}

/** Equal as inputs: the same id, name, email and metadata (its keys in any order). */
const sameProfile = (a: Customer, b: Customer) =>
  JSON.stringify(canonicalJson([a.id, a.name ?? null, a.email ?? null, a.metadata ?? null])) ===
  JSON.stringify(canonicalJson([b.id, b.name ?? null, b.email ?? null, b.metadata ?? null]));

export const findCustomer = (deps: Deps, id: string) => repo.getCustomer(deps.db, parseInput(IdSchema, id, "id"));

export async function getCustomer(deps: Deps, id: string): Promise<Customer> {
  const customer = await findCustomer(deps, id);
  if (!customer) throw new DomainError("NOT_FOUND", `customer "${id}" not found`);
  return customer;
}
