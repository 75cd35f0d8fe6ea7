/**
 * Add-on definitions: creating and listing them (./add-on.ts says what they are; ./attach.ts puts
 * them on subscriptions). Immutable once created, like plans: a subscription keeps the terms it
 * attached anyway.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getFeature } from "../features";
import { parseInput } from "../validation";
import { insertAddOn, listAddOns as listAll } from "../db/add-ons";
import { CreateAddOnInputSchema, type AddOn, type CreateAddOnInput } from "./add-on";

export type { AddOn, AttachedAddOn, CreateAddOnInput } from "./add-on";
export { attachAddOn, detachAddOn } from "./attach";

const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);

export async function createAddOn(deps: Deps, input: CreateAddOnInput): Promise<AddOn> {
  const p = parseInput(CreateAddOnInputSchema, input);
  const { kind } = await getFeature(deps, p.feature);
  if (kind === "BOOLEAN" && p.grants != null)
    throw bad(`input.grants does not apply to BOOLEAN feature "${p.feature}": the add-on turns it on`);
  if (kind === "METERED" && p.grants == null)
    throw bad(
      `input.grants is required for METERED feature "${p.feature}": the units, credits or money it adds each period`,
    );
  if (kind === "SEATS" || kind === "QUOTA")
    throw bad(`input.feature "${p.feature}" is a ${kind} feature; add-ons grant METERED or BOOLEAN features`);
  const addOn: AddOn = {
    code: p.code,
    name: p.name,
    feature: p.feature,
    price: p.price,
    currency: p.currency ?? "USD",
    ...(p.grants != null ? { grants: p.grants } : {}),
    archived: false,
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await insertAddOn(deps.db, addOn);
  return addOn;
}

export async function listAddOns(deps: Deps, includeArchived: boolean): Promise<AddOn[]> {
  return (await listAll(deps.db)).filter((a) => includeArchived || !a.archived);
}
