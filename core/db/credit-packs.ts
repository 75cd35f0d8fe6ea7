import type { CreditPack } from "../credit-packs/credit-pack";
import type { Db } from "./client";
import { big, getItem, putNew, queryPrefix, type Item } from "./items";
import { ItemType, keys } from "./keys";

const toPack = (item: Item): CreditPack => ({
  code: item.code as string,
  name: item.name as string,
  credits: big(item.credits),
  price: big(item.price),
  currency: item.currency as string,
  createdAt: item.createdAt as string,
});

export const insertCreditPack = (db: Db, pack: CreditPack) =>
  putNew(db, { ...keys.creditPack(pack.code), type: ItemType.CREDIT_PACK, ...pack }, `credit pack "${pack.code}"`);

export async function getCreditPack(db: Db, code: string): Promise<CreditPack | undefined> {
  const item = await getItem(db, keys.creditPack(code));
  return item && toPack(item);
}

export async function listCreditPacks(db: Db): Promise<CreditPack[]> {
  return (await queryPrefix(db, keys.creditPackPartition(), keys.creditPackPrefix())).map(toPack);
}
