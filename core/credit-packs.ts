/** Credit packs: credits sold one-off; purchased credits never expire (see core/purchases.ts). */
import * as z from "./zod";
import { DomainError } from "./errors";
import type { Deps } from "./deps";
import type { Amount } from "./money";
import { MAX_QUANTITY } from "./bounds";
import { requireWholeMinorUnits } from "./currencies";
import { CurrencySchema, IdSchema, NameSchema, PriceSchema, parseInput } from "./validation";
import * as repo from "./db/credit-packs";

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
