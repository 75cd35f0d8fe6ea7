import { UpdateCommand } from "./commands";
import type { Plan, PlanFeature, PriceTier } from "../plans/plan";
import type { Db } from "./client";
import { big, getItem, int, optionalBig, putNew, queryPrefix, type Item } from "./items";
import { ItemType, keys } from "./keys";

function toPlan(item: Item): Plan {
  const features = (item.features as Item[]).map(
    (f): PlanFeature => ({
      feature: f.feature as string,
      kind: f.kind as PlanFeature["kind"],
      ...opt("included", optionalBig(f.included)),
      ...opt("overagePrice", optionalBig(f.overagePrice)),
      ...opt("limit", optionalBig(f.limit)),
      ...opt("creditsPerUnit", optionalBig(f.creditsPerUnit)),
      ...opt("pricing", f.pricing as PlanFeature["pricing"]),
      ...opt("unitPrice", optionalBig(f.unitPrice)),
      ...opt("marginBps", f.marginBps === undefined ? undefined : int(f.marginBps)),
      ...opt("tiers", f.tiers === undefined ? undefined : (f.tiers as Item[]).map(toTier)),
      ...opt("tierMode", f.tierMode as PlanFeature["tierMode"]),
      ...opt("packageSize", optionalBig(f.packageSize)),
    }),
  );
  return {
    code: item.code as string,
    name: item.name as string,
    model: item.model as Plan["model"],
    basePrice: big(item.basePrice),
    currency: item.currency as string,
    interval: item.interval as Plan["interval"],
    ...opt("resetInterval", item.resetInterval as Plan["resetInterval"]),
    ...opt("includedCredits", optionalBig(item.includedCredits)),
    blockOnExhaustion: Boolean(item.blockOnExhaustion),
    trialDays: item.trialDays === undefined ? 0 : int(item.trialDays),
    features,
    ...opt("group", item.group as string | undefined),
    ...opt("rank", item.rank === undefined ? undefined : int(item.rank)),
    archived: Boolean(item.archived),
    createdAt: item.createdAt as string,
  };
}

const toTier = (t: Item): PriceTier => ({
  ...opt("upTo", optionalBig(t.upTo)),
  unitPrice: big(t.unitPrice),
  ...opt("flatFee", optionalBig(t.flatFee)),
});

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export const insertPlan = (db: Db, plan: Plan) =>
  putNew(db, { ...keys.plan(plan.code), type: ItemType.PLAN, ...plan }, `plan "${plan.code}"`);

export async function getPlan(db: Db, code: string): Promise<Plan | undefined> {
  const item = await getItem(db, keys.plan(code));
  return item && toPlan(item);
}

/**
 * A plan's prices never change after creation, so the pricing path may keep plans in memory for
 * the life of the process (only `archived` changes, which pricing does not read).
 */
const priceCache = new Map<string, Plan>();
export async function getPlanForPricing(db: Db, code: string): Promise<Plan | undefined> {
  const cacheKey = `${db.table}/${code}`;
  const cached = priceCache.get(cacheKey);
  if (cached) return cached;
  const plan = await getPlan(db, code);
  if (plan) priceCache.set(cacheKey, plan);
  return plan;
}

export async function listPlans(db: Db): Promise<Plan[]> {
  return (await queryPrefix(db, keys.planPartition(), keys.planPrefix())).map(toPlan);
}

export async function archivePlan(db: Db, code: string): Promise<Plan> {
  const { Attributes } = await db.doc.send(
    new UpdateCommand({
      TableName: db.table,
      Key: keys.plan(code),
      UpdateExpression: "SET archived = :true",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":true": true },
      ReturnValues: "ALL_NEW",
    }),
  );
  return toPlan(Attributes as Item);
}
