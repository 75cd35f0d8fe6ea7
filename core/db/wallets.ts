/**
 * The wallet item: reading it, creating it, and turning a usage delta plus its guards into the
 * conditional UpdateItem that goes into a usage transaction.
 */
import type { Guard, WalletDelta } from "../models/types";
import type { CloseLease, Wallet } from "../wallet";
import type { Db } from "./client";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { big, bigMap, getItem, int, type Item } from "./items";
import { ItemType, keys } from "./keys";

export function toWallet(item: Item): Wallet {
  const wallet: Wallet = {
    customerId: item.customerId as string,
    version: int(item.version),
    usage: bigMap(item.usage),
    featureCost: bigMap(item.featureCost),
    featureCredits: bigMap(item.featureCredits),
    planCredits: big(item.planCredits),
    creditsUsed: big(item.creditsUsed),
    purchasedCredits: big(item.purchasedCredits),
    credits: big(item.credits),
    allowance: big(item.allowance),
    topUps: big(item.topUps),
    spent: big(item.spent),
    balance: big(item.balance),
    accountCredit: big(item.accountCredit),
  };
  if (item.closeLeaseOwner)
    wallet.closeLease = { owner: item.closeLeaseOwner as string, until: int(item.closeLeaseUntil) };
  if (item.planCode) {
    wallet.subscription = {
      planCode: item.planCode as string,
      status: item.status as "ACTIVE" | "CANCELED",
      anchor: item.anchor as string,
      periodIndex: int(item.periodIndex),
      periodStart: item.periodStart as string,
      periodEnd: item.periodEnd as string,
      cancelAtPeriodEnd: Boolean(item.cancelAtPeriodEnd),
      ...(item.scheduledPlanCode ? { scheduledPlanCode: item.scheduledPlanCode as string } : {}),
    };
  }
  return wallet;
}

/** The full item for a wallet, e.g. for its creation. */
export function walletItem(wallet: Wallet): Item {
  const { subscription, closeLease: _lease, ...counters } = wallet;
  return { ...keys.wallet(wallet.customerId), type: ItemType.WALLET, ...counters, ...(subscription ?? {}) };
}

export async function getWallet(db: Db, customerId: string): Promise<Wallet | undefined> {
  const item = await getItem(db, keys.wallet(customerId));
  return item && toWallet(item);
}

/** What a usage write does to the wallet, and what it is conditioned on. */
export type UsageUpdate = {
  customerId: string;
  /** The subscription period the charges were priced in: the wallet must still be in it. */
  period: { planCode: string; periodStart: string };
  delta: WalletDelta;
  guards: Guard[];
  /** The write fails (with the wallet) instead of depleting credits or balance (see below). */
  noDepletion?: boolean;
};

/**
 * The wallet half of a usage transaction: commutative ADDs, conditioned on the subscription
 * period the charges were priced in (so nothing is booked into a period that a close has ended, or
 * priced on a plan that was changed meanwhile) and on the charges' guards.
 */
export function usageUpdate(db: Db, { customerId, period: expected, delta, guards, noDepletion = false }: UsageUpdate) {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = {
    ":active": "ACTIVE",
    ":plan": expected.planCode,
    ":ps": expected.periodStart,
    ":zero": 0n,
  };
  const sets: string[] = [];
  let n = 0;
  const featureName = (feature: string) => {
    const existing = Object.entries(names).find(([, v]) => v === feature);
    if (existing) return existing[0];
    const name = `#f${n++}`;
    names[name] = feature;
    return name;
  };
  for (const [map, perFeature] of [
    ["usage", delta.usage],
    ["featureCost", delta.featureCost],
    ["featureCredits", delta.featureCredits],
  ] as const) {
    for (const [feature, value] of Object.entries(perFeature)) {
      names[`#${map}`] = map;
      const path = `#${map}.${featureName(feature)}`;
      const v = `:v${n++}`;
      values[v] = value;
      sets.push(`${path} = if_not_exists(${path}, :zero) + ${v}`);
    }
  }
  const adds: string[] = ["#version :one"];
  values[":one"] = 1;
  names["#version"] = "version";
  if (delta.credits !== 0n) {
    values[":burn"] = delta.credits;
    values[":negBurn"] = -delta.credits;
    adds.push("credits :negBurn", "creditsUsed :burn");
  }
  if (delta.cost !== 0n) {
    values[":cost"] = delta.cost;
    values[":negCost"] = -delta.cost;
    adds.push("spent :cost", "balance :negCost");
  }
  const conditions = ["#status = :active", "planCode = :plan", "periodStart = :ps"];
  guards.forEach((guard, i) => {
    const g = `:g${i}`;
    if (guard.kind === "limit") {
      values[g] = guard.atMost;
      names["#usage"] = "usage";
      const path = `#usage.${featureName(guard.feature)}`;
      conditions.push(`(attribute_not_exists(${path}) AND :zero <= ${g} OR ${path} <= ${g})`);
    } else if (guard.kind === "spent") {
      values[g] = guard.atMost;
      conditions.push(`spent <= ${g}`);
    } else {
      values[g] = guard.atLeast;
      conditions.push(`${guard.kind === "credits" ? "credits" : "balance"} >= ${g}`);
    }
  });
  // "This write depletes nothing": credits do not fall from above zero to zero or below, and the
  // balance does not fall from zero or above to below zero. Used when the caller priced against a
  // cached wallet and so cannot tell a depletion itself: if this fails, it retries on the wallet
  // the failed condition returns, and judges the depletion (and publishes its event) from that.
  if (noDepletion && delta.credits > 0n) conditions.push("(credits <= :zero OR credits > :burn)");
  if (noDepletion && delta.cost > 0n) conditions.push("(balance < :zero OR balance >= :cost)");
  return {
    TableName: db.table,
    Key: keys.wallet(customerId),
    UpdateExpression: [sets.length ? `SET ${sets.join(", ")}` : "", adds.length ? `ADD ${adds.join(", ")}` : ""]
      .join(" ")
      .trim(),
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

/** What a period change does to a catch-up's lease: keep it held until then, or release it. */
export type LeaseChange = { hold: CloseLease } | "release";

/**
 * The wallet half of a period change (subscribe, close, plan change, cancel): the subscription
 * and the period counters are SET, while the pools that purchases move concurrently (credits,
 * purchased credits, top-ups, balance, account credit) change by ADD of (after - before), so a
 * purchase that lands between the read and this write is kept. Conditioned on the wallet's version
 * and the subscription state that was read.
 */
export function periodUpdate(db: Db, before: Wallet, after: Wallet, lease?: LeaseChange) {
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = { "#status": "status" };
  const sets: string[] = [];
  const removes: string[] = [];
  const set = (attribute: string, value: unknown) => {
    values[`:${attribute}`] = value;
    names[`#${attribute}`] = attribute; // every name aliased: "usage" and "status" are reserved words
    sets.push(`#${attribute} = :${attribute}`);
  };
  for (const attribute of [
    "usage",
    "featureCost",
    "featureCredits",
    "planCredits",
    "creditsUsed",
    "allowance",
    "spent",
  ] as const) {
    set(attribute, after[attribute]);
  }
  const sub = after.subscription;
  if (sub) {
    for (const attribute of [
      "planCode",
      "status",
      "anchor",
      "periodIndex",
      "periodStart",
      "periodEnd",
      "cancelAtPeriodEnd",
    ] as const) {
      set(attribute, sub[attribute]);
    }
    if (sub.scheduledPlanCode) set("scheduledPlanCode", sub.scheduledPlanCode);
    else removes.push("scheduledPlanCode");
    if (sub.status === "ACTIVE") {
      const due = keys.due(after.customerId, sub.periodEnd);
      set("gsi1pk", due.gsi1pk);
      set("gsi1sk", due.gsi1sk);
    } else removes.push("gsi1pk", "gsi1sk");
  }
  const adds: string[] = ["#version :one"];
  values[":one"] = 1;
  names["#version"] = "version";
  if (lease === "release") removes.push("closeLeaseOwner", "closeLeaseUntil");
  else if (lease) {
    set("closeLeaseOwner", lease.hold.owner);
    set("closeLeaseUntil", lease.hold.until);
  }
  for (const attribute of ["credits", "purchasedCredits", "topUps", "balance", "accountCredit"] as const) {
    const delta = after[attribute] - before[attribute];
    if (delta !== 0n) {
      values[`:d_${attribute}`] = delta;
      adds.push(`${attribute} :d_${attribute}`);
    }
  }
  values[":version"] = before.version;
  let condition =
    before.version === 0 ? "(attribute_not_exists(#version) OR #version = :version)" : "#version = :version";
  const was = before.subscription;
  if (was) {
    values[":wasPlan"] = was.planCode;
    values[":wasStart"] = was.periodStart;
    values[":wasStatus"] = was.status;
    values[":wasCancel"] = was.cancelAtPeriodEnd;
    condition +=
      " AND planCode = :wasPlan AND periodStart = :wasStart AND #status = :wasStatus AND cancelAtPeriodEnd = :wasCancel";
    if (was.scheduledPlanCode) {
      values[":wasScheduled"] = was.scheduledPlanCode;
      condition += " AND scheduledPlanCode = :wasScheduled";
    } else condition += " AND attribute_not_exists(scheduledPlanCode)";
  } else condition += " AND attribute_not_exists(planCode)";
  return {
    TableName: db.table,
    Key: keys.wallet(after.customerId),
    UpdateExpression: [
      `SET ${sets.join(", ")}`,
      adds.length ? `ADD ${adds.join(", ")}` : "",
      removes.length ? `REMOVE ${removes.join(", ")}` : "",
    ]
      .join(" ")
      .trim(),
    ConditionExpression: `attribute_exists(pk) AND ${condition}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Claims the catch-up lease of a wallet as it was read (its version, which the claim bumps, so a
 * period change computed before the claim cannot land after it). False when the wallet changed or
 * another live lease holds it.
 */
export async function claimCloseLease(db: Db, wallet: Wallet, lease: CloseLease, now: number): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.wallet(wallet.customerId),
        UpdateExpression: "SET closeLeaseOwner = :owner, closeLeaseUntil = :until ADD #version :one",
        ConditionExpression:
          "#version = :version AND (attribute_not_exists(closeLeaseUntil) OR closeLeaseUntil < :now OR closeLeaseOwner = :owner)",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: {
          ":owner": lease.owner,
          ":until": lease.until,
          ":one": 1,
          ":version": wallet.version,
          ":now": now,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
