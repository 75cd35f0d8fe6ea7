/** Credit packs: credits sold one-off; purchased credits never expire (see core/purchases.ts). */
import * as z from "./zod";
import { DomainError } from "./errors";
import type { Deps } from "./deps";
import type { Amount } from "./money";
import { CurrencySchema, IdSchema, NameSchema, NonNegativeAmount, PositiveAmount, parseInput } from "./validation";
import * as repo from "./db/credit-packs";

export const CreateCreditPackInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  credits: PositiveAmount,
  price: NonNegativeAmount,
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
  const pack: CreditPack = {
    ...parsed,
    currency: parsed.currency ?? "USD",
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertCreditPack(deps.db, pack);
  return pack;
}

export const listCreditPacks = (deps: Deps) => repo.listCreditPacks(deps.db);

export async function getCreditPack(deps: Deps, code: string): Promise<CreditPack> {
  const pack = await repo.getCreditPack(deps.db, parseInput(IdSchema, code));
  if (!pack) throw new DomainError("NOT_FOUND", `credit pack "${code}" not found`);
  return pack;
}
