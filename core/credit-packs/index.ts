/** Creating and reading credit packs (the type and the input schema: ./credit-pack.ts). */
import { DomainError } from "../errors";
import type { Deps } from "../deps";
import { requireWholeMinorUnits } from "../currencies";
import { IdSchema, parseInput } from "../validation";
import * as repo from "../db/credit-packs";
import { CreateCreditPackInputSchema, type CreateCreditPackInput, type CreditPack } from "./credit-pack";

export { CreateCreditPackInputSchema, type CreateCreditPackInput, type CreditPack } from "./credit-pack";

export async function createCreditPack(deps: Deps, input: CreateCreditPackInput): Promise<CreditPack> {
  const parsed = parseInput(CreateCreditPackInputSchema, input);
  const currency = parsed.currency ?? "USD";
  // A pack is paid money: its price is what its invoice line says, so whole minor units.
  requireWholeMinorUnits(parsed.price, currency, "input.price");
  const pack: CreditPack = {
    ...parsed,
    currency,
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertCreditPack(deps.db, pack);
  return pack;
}

export const listCreditPacks = (deps: Deps) => repo.listCreditPacks(deps.db);

export async function getCreditPack(deps: Deps, code: string): Promise<CreditPack> {
  const pack = await repo.getCreditPack(deps.db, parseInput(IdSchema, code, "packCode"));
  if (!pack) throw new DomainError("NOT_FOUND", `credit pack "${code}" not found`);
  return pack;
}
