import type { Feature } from "../features/feature";
import type { Db } from "./client";
import { getItem, putNew, queryPrefix, type Item } from "./items";
import { ItemType, keys } from "./keys";

const toFeature = (item: Item): Feature => ({
  code: item.code as string,
  name: item.name as string,
  kind: item.kind as Feature["kind"],
  ...(item.unit ? { unit: item.unit as string } : {}),
  createdAt: item.createdAt as string,
});

export const insertFeature = (db: Db, feature: Feature) =>
  putNew(db, { ...keys.feature(feature.code), type: ItemType.FEATURE, ...feature }, `feature "${feature.code}"`);

export async function getFeature(db: Db, code: string): Promise<Feature | undefined> {
  const item = await getItem(db, keys.feature(code));
  return item && toFeature(item);
}

export async function listFeatures(db: Db): Promise<Feature[]> {
  return (await queryPrefix(db, keys.featurePartition(), keys.featurePrefix())).map(toFeature);
}
