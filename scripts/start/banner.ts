/** What `npm start` prints once everything runs (docs/running-locally.md shows it). */
import { resolve } from "node:path";
import { apiKeyNote } from "./api-key";
import { DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_WEBHOOK_INTERVAL_MS, type StartOptions } from "./options";
import type { LocalServer } from "../start";

export function startingLine(options: StartOptions): string {
  const data = options.dataDir ? `data in ${resolve(options.dataDir)}` : "in memory, nothing kept";
  return `starting DynamoDB Local (${data})...`;
}

export function readyBanner(local: LocalServer, options: StartOptions): string {
  const clock = options.clock === "real" ? "real clock" : "test clock: move it with advanceClock";
  const sweepSeconds = (options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS) / 1000;
  const webhookSeconds = (options.webhookIntervalMs ?? DEFAULT_WEBHOOK_INTERVAL_MS) / 1000;
  return [
    "",
    `Billing API ready (${clock})`,
    `  GraphiQL:   ${local.url}   (open in a browser and paste the key below into its Headers tab)`,
    `  Console:    ${local.consoleUrl}   (sign in with the API key below)`,
    `  API key:    ${local.apiKey}   (${apiKeyNote(local.apiKeySource, options.dataDir)})`,
    `  DynamoDB:   ${local.dynamoEndpoint}, table ${local.table}`,
    `  Sweeper:    closes due billing periods every ${sweepSeconds} s`,
    `  Webhooks:   delivered in-process; due retries sent every ${webhookSeconds} s`,
    "",
    `Track one API call for the demo customer (run it twice: the second answer says replayed: true):`,
    "",
    local.curl,
    "",
    "Press Ctrl-C to stop.",
  ].join("\n");
}
