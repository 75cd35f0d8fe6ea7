/**
 * Small GraphQL helpers for behaviour tests: creating features, plans, packs and subscribed
 * customers, tracking usage, moving the test clock, reading invoices, and snapshotting everything the
 * API shows of a customer so a test can assert that a refused request wrote nothing.
 */
import { expect } from "vitest";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { Db } from "../../core/db/client";
import { keys } from "../../core/db/keys";
import type { GqlResponse, TestApi } from "./server";

export const EVENT_FIELDS = "idempotencyKey customerId feature value cost credits timestamp periodStart";
export const ENTITLEMENT_FIELDS = "feature allowed reason model used included remaining credits balance";
export const WALLET_FIELDS = "credits planCredits purchasedCredits balance allowance topUps spent overage";
export const INVOICE_FIELDS =
  "number status currency periodStart periodEnd subtotal total lines { kind feature quantity unitPrice amount }";

export const TRACK = `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed event { ${EVENT_FIELDS} } entitlement { ${ENTITLEMENT_FIELDS} } } }`;
export const TRACK_BATCH = `mutation($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok errorCode errorMessage payload { replayed event { ${EVENT_FIELDS} } entitlement { ${ENTITLEMENT_FIELDS} } } } }`;

export type TrackInput = {
  customerId: string;
  feature: string;
  idempotencyKey: string;
  value?: string | number | null;
  timestamp?: string;
  properties?: unknown;
};

/** The stable error code of a response's first error. */
export const codeOf = (response: GqlResponse): string | undefined => response.errors?.[0]?.extensions?.code;

/** Expects exactly one error with `code` and no data for the field. */
export function expectError(response: GqlResponse, code: string): void {
  expect(
    response.errors?.map((e) => e.extensions?.code),
    JSON.stringify(response.errors),
  ).toEqual([code]);
}

export function fixtures(api: TestApi) {
  const feature = (code: string, kind: "METERED" | "BOOLEAN" | "SEATS" | "QUOTA" = "METERED") =>
    api.ok(`mutation($i: CreateFeatureInput!) { createFeature(input: $i) { code } }`, {
      i: { code, name: code, kind },
    });

  /** Creates each feature in turn: `features({ api_calls: "METERED", sso: "BOOLEAN" })`. */
  const features = async (kinds: Record<string, "METERED" | "BOOLEAN" | "SEATS" | "QUOTA">) => {
    for (const [code, kind] of Object.entries(kinds)) await feature(code, kind);
  };

  const plan = (input: Record<string, unknown>) =>
    api.ok(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
      i: { name: String(input.code), interval: "MONTH", basePrice: "0", ...input },
    });

  /** A credit pack named after its code unless `more.name` says otherwise; USD unless `more.currency`. */
  const pack = (code: string, credits: string, price: string, more: { name?: string; currency?: string } = {}) =>
    api.ok(`mutation($i: CreateCreditPackInput!) { createCreditPack(input: $i) { code } }`, {
      i: { code, name: code, credits, price, ...more },
    });

  const customer = (id: string) =>
    api.ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, { i: { id } });

  const subscribe = (customerId: string, planCode: string) =>
    api.gql(
      `mutation($c: ID!, $p: ID!) { subscribe(customerId: $c, planCode: $p) { status currentPeriodStart currentPeriodEnd plan { code } } }`,
      {
        c: customerId,
        p: planCode,
      },
    );

  const customerOn = async (id: string, planCode: string) => {
    await customer(id);
    const result = await subscribe(id, planCode);
    if (result.errors?.length) throw new Error(`subscribe failed: ${JSON.stringify(result.errors)}`);
  };

  const track = (input: TrackInput) => api.gql(TRACK, { i: input });
  const trackBatch = (inputs: TrackInput[]) => api.gql(TRACK_BATCH, { is: inputs });

  const wallet = async (customerId: string) =>
    (await api.ok(`query($c: ID!) { customer(id: $c) { wallet { ${WALLET_FIELDS} } } }`, { c: customerId })).customer
      .wallet;

  const usage = async (customerId: string) =>
    (
      await api.ok(
        `query($c: ID!) { customer(id: $c) { usage { feature { code } used included overage cost credits } } }`,
        { c: customerId },
      )
    ).customer.usage;

  const events = async (customerId: string) =>
    (
      await api.ok(
        `query($c: ID!) { customer(id: $c) { events(first: 100) { edges { node { ${EVENT_FIELDS} } } } } }`,
        { c: customerId },
      )
    ).customer.events.edges.map((e: { node: unknown }) => e.node);

  /** The customer's invoices, newest first. */
  const invoices = async (customerId: string): Promise<any[]> =>
    (await api.ok(`query($c: ID!) { customer(id: $c) { invoices { ${INVOICE_FIELDS} } } }`, { c: customerId })).customer
      .invoices;

  /** Everything the API shows of a customer; equal before and after means nothing was written. */
  const snapshot = async (customerId: string) =>
    (
      await api.ok(
        `query($c: ID!) { customer(id: $c) {
          id subscription { status plan { code } currentPeriodStart currentPeriodEnd }
          wallet { ${WALLET_FIELDS} }
          usage { feature { code } used included overage cost credits }
          events(first: 100) { edges { cursor node { ${EVENT_FIELDS} } } }
        } }`,
        { c: customerId },
      )
    ).customer;

  const advanceClock = (to: string) => api.ok(`mutation($t: DateTime!) { advanceClock(to: $t) }`, { t: to });

  return {
    feature,
    features,
    plan,
    pack,
    customer,
    subscribe,
    customerOn,
    track,
    trackBatch,
    wallet,
    usage,
    events,
    invoices,
    snapshot,
    advanceClock,
  };
}

export type Fixtures = ReturnType<typeof fixtures>;

type TransactItem = {
  Put?: { Item?: Record<string, unknown> };
  Update?: { Key?: Record<string, unknown> };
  ConditionCheck?: { Key?: Record<string, unknown> };
};

/**
 * Makes the next transaction that writes `customerId`'s wallet fail the way real DynamoDB fails a
 * transaction that meets another one in flight on the same item: TransactionCanceledException with
 * a TransactionConflict reason on the wallet (DynamoDB Local serializes transactions, so it never
 * reports this by itself). Returns how many conflicts were injected, and a restore function.
 */
export function conflictOnNextWalletTransaction(
  db: Db,
  customerId: string,
): { injected: () => number; restore: () => void } {
  // Client middleware (initialize: once per call, the document-form input), so it meets the
  // transaction whichever transport sends it (core/db/client.ts mirrors it onto the wire transport).
  const name = `conflictOnNextWalletTransaction:${customerId}`;
  let injected = 0;
  db.raw.middlewareStack.add(
    (next) => async (args) => {
      const items = (args.input as { TransactItems?: TransactItem[] }).TransactItems;
      if (injected === 0 && items) {
        const wallet = keys.wallet(customerId);
        const walletAt = items.findIndex((item) => {
          const key = item.Update?.Key ?? item.ConditionCheck?.Key ?? item.Put?.Item;
          return key?.pk === wallet.pk && key?.sk === wallet.sk;
        });
        if (walletAt >= 0) {
          injected++;
          const reasons = items.map((_, i) => ({
            Code: i === walletAt ? "TransactionConflict" : "None",
            ...(i === walletAt ? { Message: "Transaction is ongoing for the item" } : {}),
          }));
          throw new TransactionCanceledException({
            message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
            $metadata: { httpStatusCode: 400 },
            CancellationReasons: reasons,
          });
        }
      }
      return next(args);
    },
    { step: "initialize", name, override: true },
  );
  return {
    injected: () => injected,
    restore: () => {
      db.raw.middlewareStack.remove(name);
    },
  };
}
