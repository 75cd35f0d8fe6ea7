/**
 * The MCP server's tools, over a billing client. Read tools are always there; write tools only when
 * the operator turns them on (`allowWrites`), because they change what customers are billed: an
 * assistant should not be able to subscribe someone because a prompt asked it to, unless the
 * person running the server decided it may. Every tool answers with JSON text; a refusal from the
 * billing API is a tool error carrying its code and request id, not a protocol error.
 */
import { type BillingClient, ID_PATTERN, isBillingError } from "@ai-billing/client";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

export type BillingMcpOptions = {
  client: BillingClient;
  /** Register the write tools (create_customer, subscribe_customer, grant_credits, adjust_usage); default false. */
  allowWrites?: boolean;
  version?: string;
};

/** The API's ID rule (core/validation.ts, through the client), so a bad id is refused before any request. */
const id = (what: string) =>
  z.string().regex(ID_PATTERN, "1 to 128 letters, digits or _ - . : @ | + / =").describe(what);

/** An ISO 8601 instant with its offset, as the API's DateTime takes it. */
const dateTime = (what: string) => z.iso.datetime({ offset: true }).describe(what);

const READ = { readOnlyHint: true, openWorldHint: false } as const;

export function createBillingMcpServer({ client, allowWrites = false, version = "0.1.0" }: BillingMcpOptions) {
  const server = new McpServer({ name: "ai-billing", version });

  server.registerTool(
    "get_customer",
    {
      title: "Customer usage and wallet",
      description:
        "A customer's profile, subscription (plan, status, current period), wallet (credits left, balance, allowance, top-ups, spend, overage), usage of each feature this period, and entitlements. Money and quantities are exact decimal strings.",
      inputSchema: { customerId: id("The customer's id") },
      annotations: READ,
    },
    ({ customerId }) =>
      answer(async () => (await client.customers.get(customerId)) ?? notFound("customer", customerId)),
  );

  server.registerTool(
    "check_entitlement",
    {
      title: "Entitlement check",
      description:
        "Whether the customer may consume `amount` (default 1) of a feature now, without recording anything. A denial is an answer: allowed false with a reason (NO_SUBSCRIPTION, FEATURE_NOT_IN_PLAN, INSUFFICIENT_CREDITS, INSUFFICIENT_BALANCE, LIMIT_REACHED).",
      inputSchema: {
        customerId: id("The customer's id"),
        feature: id("The feature's code, e.g. ai_chat"),
        amount: z
          .string()
          .regex(/^\d+(\.\d{1,6})?$/, "a non-negative decimal with at most 6 decimals")
          .optional()
          .describe("Units to check, as a decimal string; default 1"),
      },
      annotations: READ,
    },
    (input) => answer(() => client.usage.check(input)),
  );

  server.registerTool(
    "list_plans",
    {
      title: "Plans",
      description:
        "The plans customers can be put on: model (METERED, CREDITS, BALANCE), base price, interval and priced features.",
      inputSchema: { includeArchived: z.boolean().optional().describe("Include archived plans; default false") },
      annotations: READ,
    },
    (input) => answer(() => client.plans.list(input)),
  );

  server.registerTool(
    "list_invoices",
    {
      title: "Invoices of a customer",
      description:
        "A customer's invoices, newest first, with their lines (base fee, overage, credit packs, top-ups, proration), status and totals.",
      inputSchema: { customerId: id("The customer's id") },
      annotations: READ,
    },
    ({ customerId }) => answer(() => client.invoices.list(customerId)),
  );

  server.registerTool(
    "ai_cost_report",
    {
      title: "AI cost report",
      description:
        "AI usage over [from, to) (whole UTC days, at most 400 days) grouped by MODEL (default), CUSTOMER, FEATURE or DAY (UTC): calls, input/output/cache tokens, what the providers charge (providerCost), what customers were billed, and the margin (billed - providerCost), per group and in total. Amounts are exact decimal strings. Built from rollups that follow usage within seconds, so a call tracked just now may not be counted yet.",
      inputSchema: {
        from: dateTime("Start of the range, inclusive: a UTC midnight, e.g. 2026-01-01T00:00:00Z"),
        to: dateTime("End of the range, exclusive: a later UTC midnight, e.g. 2026-02-01T00:00:00Z"),
        groupBy: z
          .enum(["MODEL", "CUSTOMER", "FEATURE", "DAY"])
          .optional()
          .describe("How rows are grouped; default MODEL"),
      },
      annotations: READ,
    },
    (input) => answer(() => client.reports.aiCosts(input)),
  );

  if (allowWrites) {
    server.registerTool(
      "create_customer",
      {
        title: "Create a customer",
        description:
          "Registers a new customer (not subscribed to any plan). Fails with ALREADY_EXISTS if the id is taken.",
        inputSchema: {
          id: id("The new customer's id, usually your own user or team id"),
          name: z.string().max(200).optional().describe("Display name"),
          email: z.string().email().optional().describe("Billing email"),
        },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      },
      (input) => answer(() => client.customers.create(input)),
    );

    server.registerTool(
      "subscribe_customer",
      {
        title: "Subscribe a customer to a plan",
        description:
          "Starts the customer's first billing period on a plan now and issues the invoice for its base fee. This bills the customer. Fails with ALREADY_EXISTS if the customer already has an active subscription.",
        inputSchema: { customerId: id("The customer's id"), planCode: id("The plan's code (see list_plans)") },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      },
      (input) => answer(() => client.subscriptions.subscribe(input)),
    );

    server.registerTool(
      "grant_credits",
      {
        title: "Grant free credits",
        description:
          "Gives a customer on a CREDITS plan free credits (goodwill, a promotion, a support case), recorded with the reason; with expiresAt they expire, and expiring credits are spent first (after the plan's, before purchased ones). This gives away value: grant only what the operator asked for. idempotencyKey makes it safe to call again: the same key grants once. Answers the wallet after the grant.",
        inputSchema: {
          customerId: id("The customer's id"),
          credits: z
            .string()
            .regex(/^\d+(\.\d{1,6})?$/, "a positive decimal with at most 6 decimals")
            .describe("Credits to grant, as a decimal string, e.g. 250"),
          reason: z.string().trim().min(1).max(500).describe("Why, kept with the grant (e.g. the support ticket)"),
          expiresAt: dateTime("When the granted credits expire, e.g. 2026-03-01T00:00:00Z; omit for never").optional(),
          idempotencyKey: id(
            "A key unique to this grant (e.g. the ticket id): calling again with the same key grants nothing more",
          ),
        },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      },
      (input) => answer(() => client.credits.grant(input)),
    );

    server.registerTool(
      "adjust_usage",
      {
        title: "Correct a customer's usage",
        description:
          "A signed correction of the customer's usage of one feature in the current period (e.g. -120 to remove duplicated events), recorded as an event with the reason; usage never goes below zero (BAD_USER_INPUT). This changes what the customer is billed. idempotencyKey makes it safe to call again: the same key corrects once. Answers the feature's usage after it.",
        inputSchema: {
          customerId: id("The customer's id"),
          feature: id("The feature's code, e.g. api_calls"),
          delta: z
            .string()
            .regex(/^-?\d+(\.\d{1,6})?$/, "a signed decimal with at most 6 decimals")
            .describe("Units to add (positive) or remove (negative), as a decimal string"),
          reason: z.string().trim().min(1).max(500).describe("Why the usage is corrected"),
          idempotencyKey: id("A key unique to this correction: calling again with the same key corrects nothing more"),
        },
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      (input) => answer(() => client.usage.adjust(input)),
    );
  }
  return server;
}

class ToolRefusal extends Error {}

function notFound(what: string, key: string): never {
  throw new ToolRefusal(`NOT_FOUND: no ${what} "${key}"`);
}

async function answer(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    const result = await work();
    return { content: [{ type: "text", text: JSON.stringify(result, null, 2) }] };
  } catch (error) {
    if (error instanceof ToolRefusal) return { isError: true, content: [{ type: "text", text: error.message }] };
    if (isBillingError(error)) {
      const request = error.requestId ? ` (request ${error.requestId})` : "";
      return { isError: true, content: [{ type: "text", text: `${error.code}: ${error.message}${request}` }] };
    }
    throw error;
  }
}
