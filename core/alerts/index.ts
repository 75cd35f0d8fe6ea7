/**
 * createUsageAlert, archiveUsageAlert and a customer's alerts (./alert.ts says what they mean).
 * Each change is load -> compute -> one write conditioned on the wallet's alerts as read
 * (core/db/usage-alerts.ts), retried on a concurrent change.
 */
import { randomBytes } from "node:crypto";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getFeature } from "../features";
import { getWallet } from "../db/wallets";
import { alertOwner, insertAlert, updateAlert } from "../db/usage-alerts";
import { RETRY, withRetries } from "../retry";
import { IdSchema, parseInput } from "../validation";
import type { Wallet } from "../wallet";
import {
  CreateUsageAlertInputSchema,
  MAX_ACTIVE_ALERTS,
  MAX_ARCHIVED_ALERTS,
  type CreateUsageAlertInput,
  type UsageAlert,
} from "./alert";

export type { UsageAlert } from "./alert";

const ATTEMPTS = 5;
const exhausted = () => new DomainError("CONFLICT", "this customer's alerts changed concurrently too often; retry");

export async function createUsageAlert(deps: Deps, input: CreateUsageAlertInput): Promise<UsageAlert> {
  const parsed = parseInput(CreateUsageAlertInputSchema, input);
  const feature = parsed.feature ?? undefined;
  if (parsed.metric === "USAGE" && !feature)
    throw new DomainError("BAD_USER_INPUT", "input.feature is required for a USAGE alert (the feature counted)");
  if (parsed.metric !== "USAGE" && feature)
    throw new DomainError("BAD_USER_INPUT", `input.feature is only for USAGE alerts, not ${parsed.metric}`);
  if (feature) {
    const { kind } = await getFeature(deps, feature);
    // A level is not usage that adds up (core/models/levels.ts): a USAGE alert on it would never move.
    if (kind === "SEATS" || kind === "QUOTA")
      throw new DomainError(
        "BAD_USER_INPUT",
        `input.feature "${feature}" is a ${kind} feature: its level is not usage, so a USAGE alert on it would never fire`,
      );
  }
  const createdAt = (await deps.clock.now()).toISOString();
  const alert: UsageAlert = {
    id: `ua_${Date.now().toString(36)}${randomBytes(8).toString("hex")}`,
    customerId: parsed.customerId,
    ...(feature ? { feature } : {}),
    metric: parsed.metric,
    threshold: parsed.threshold,
    recurrence: parsed.recurrence ?? "EVERY_PERIOD",
    createdAt,
    archived: false,
    triggers: 0,
  };
  return withRetries({ attempts: ATTEMPTS, exhausted }, async () => {
    const wallet = await walletOf(deps, parsed.customerId);
    const active = Object.values(wallet.alerts ?? {}).filter((a) => !a.archived).length;
    if (active >= MAX_ACTIVE_ALERTS)
      throw new DomainError(
        "LIMIT_REACHED",
        `customer "${parsed.customerId}" has ${MAX_ACTIVE_ALERTS} alerts; archive one first`,
      );
    return (await insertAlert(deps.db, wallet, { create: alert, forget: [] })) ? alert : RETRY;
  });
}

export async function archiveUsageAlert(deps: Deps, id: string): Promise<UsageAlert> {
  parseInput(IdSchema, id, "id");
  const customerId = await alertOwner(deps.db, id);
  const notFound = () => new DomainError("NOT_FOUND", `usage alert "${id}" not found`);
  if (!customerId) throw notFound();
  const at = (await deps.clock.now()).toISOString();
  return withRetries({ attempts: ATTEMPTS, exhausted }, async () => {
    const wallet = await walletOf(deps, customerId);
    const alert = wallet.alerts?.[id];
    if (!alert) throw notFound();
    if (alert.archived) return alert; // archiving twice changes nothing
    const change = { archive: id, at, forget: forgotten(wallet, id) };
    return (await updateAlert(deps.db, wallet, change)) ? { ...alert, archived: true, archivedAt: at } : RETRY;
  });
}

/** A customer's alerts, archived ones too (the most recent MAX_ARCHIVED_ALERTS), oldest first. */
export async function usageAlerts(deps: Deps, customerId: string): Promise<UsageAlert[]> {
  const wallet = await getWallet(deps.db, customerId);
  return Object.values(wallet?.alerts ?? {}).sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
  );
}

async function walletOf(deps: Deps, customerId: string): Promise<Wallet> {
  const wallet = await getWallet(deps.db, customerId);
  if (!wallet) throw new DomainError("NOT_FOUND", `customer "${customerId}" not found`);
  return wallet;
}

/** Archived alerts beyond the most recent MAX_ARCHIVED_ALERTS, once `archiving` is archived too. */
function forgotten(wallet: Wallet, archiving: string): string[] {
  const archived = Object.values(wallet.alerts ?? {})
    .filter((a) => a.archived)
    .sort((a, b) => (b.archivedAt ?? "").localeCompare(a.archivedAt ?? ""));
  return archived
    .slice(MAX_ARCHIVED_ALERTS - 1)
    .map((a) => a.id)
    .filter((id) => id !== archiving);
}
