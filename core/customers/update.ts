/**
 * `updateCustomer`: new details for a customer's name, email and metadata. A field left out stays
 * as it is, `null` removes it; the same rules as at creation, refused with BAD_USER_INPUT naming
 * the field. An update that changes nothing writes nothing. Conditioned on the profile as read (its
 * revision), so two concurrent updates of different fields both land. An erased (deleted) customer
 * cannot be given personal data again.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { canonicalJson } from "../canonical-json";
import { IdSchema, parseInput } from "../validation";
import { getCustomer as readCustomer } from "../db/customers";
import { updateProfile } from "../db/customer-changes";
import { UpdateCustomerInputSchema, type Customer, type UpdateCustomerInput } from "./customer";

const FIELDS = ["name", "email", "metadata"] as const;

export async function updateCustomer(deps: Deps, id: string, input: UpdateCustomerInput): Promise<Customer> {
  const customerId = parseInput(IdSchema, id, "id");
  const changes = parseInput(UpdateCustomerInputSchema, input);
  const exhausted = () => new DomainError("CONFLICT", "the customer changed concurrently too often; retry");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const before = await readCustomer(deps.db, customerId);
    if (!before) throw new DomainError("NOT_FOUND", `customer "${id}" not found`);
    if (before.deletedAt)
      throw new DomainError("BAD_USER_INPUT", `customer "${id}" was deleted: its personal data cannot be set again`);
    const after: Customer = { ...before };
    if (changes.name !== undefined) after.name = changes.name ?? undefined;
    if (changes.email !== undefined) after.email = changes.email ?? undefined;
    if (changes.metadata !== undefined) after.metadata = changes.metadata ?? undefined;
    for (const field of FIELDS) if (after[field] === undefined) delete after[field];
    if (FIELDS.every((field) => same(before[field], after[field]))) return before;
    const updated = {
      ...after,
      updatedAt: (await deps.clock.now()).toISOString(),
      revision: (before.revision ?? 0) + 1,
    };
    return (await updateProfile(deps.db, before, updated)) ? updated : RETRY;
  });
}

const same = (a: unknown, b: unknown) =>
  JSON.stringify(canonicalJson(a ?? null)) === JSON.stringify(canonicalJson(b ?? null));
