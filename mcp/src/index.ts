#!/usr/bin/env node
/**
 * ai-billing-mcp: the billing API as an MCP server on stdio, for assistants (Claude Desktop, IDEs).
 *
 *   BILLING_API_KEY=...  the API key (required; an ADMIN key, or INGEST for entitlement checks only)
 *   BILLING_URL=...      the GraphQL endpoint (default http://localhost:4000/graphql, `npm start`)
 *   BILLING_MCP_ALLOW_WRITES=true   also offer create_customer and subscribe_customer
 *
 * stdout carries the protocol: anything else goes to stderr.
 */
import { createBillingClient } from "@ai-billing/client";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createBillingMcpServer } from "./server.js";

const apiKey = process.env.BILLING_API_KEY;
if (!apiKey) {
  console.error("ai-billing-mcp: set BILLING_API_KEY (the key `npm start` prints, or one made with createApiKey)");
  process.exit(1);
}
const client = createBillingClient({ url: process.env.BILLING_URL ?? "http://localhost:4000/graphql", apiKey });
const server = createBillingMcpServer({ client, allowWrites: process.env.BILLING_MCP_ALLOW_WRITES === "true" });
await server.connect(new StdioServerTransport());
