/**
 * What `npm start` reads from its environment (all optional). The settings it shares with the
 * deployed functions are parsed by functions/config.ts, the one place that knows them.
 *
 * | variable                  | default                 | meaning                                                |
 * |---------------------------|-------------------------|--------------------------------------------------------|
 * | PORT                      | 4000                    | HTTP port of the API (0: any free port)                |
 * | HOST                      | 127.0.0.1               | interface to listen on (0.0.0.0 to expose it)          |
 * | BILLING_ALLOWED_HOSTS     | none                    | extra Host names to answer (comma-separated)           |
 * | BILLING_DATA_DIR          | .data                   | DynamoDB Local's files and the API key; `memory`: none |
 * | BILLING_API_KEY           | stored, else generated  | the bearer key the API accepts (at least 32 bytes)     |
 * | BILLING_SIGNING_SECRET    | derived from the key    | signs customer tokens, seals webhook secrets (32+ B)   |
 * | BILLING_CORS_ORIGINS      | none                    | browser origins allowed, comma-separated               |
 * | BILLING_TABLE             | billing                 | table name                                             |
 * | BILLING_CLOCK             | test                    | `test` (stored test clock, advanceClock) or `real`     |
 * | BILLING_SWEEP_INTERVAL_MS | 10000                   | how often the period-close sweeper runs                |
 * | BILLING_WEBHOOK_INTERVAL_MS | 1000                  | how often due webhook retries are sent                 |
 */
import { clockSetting, listSetting, present, type ClockSetting } from "../../functions/config";

export type StartOptions = {
  /** HTTP port; 0 picks a free one. Default 4000. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Host names besides the loopback ones (and `host`) that requests may address (BILLING_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** Where DynamoDB Local keeps its files and the API key; undefined: in memory, nothing kept. */
  dataDir?: string;
  /** The accepted bearer key; default: the one stored in dataDir, else a new random one. */
  apiKey?: string;
  /** Signs customer tokens; default derived from the API key (functions/config.ts). */
  signingSecret?: string;
  /** Browser origins CORS allows; default none. */
  corsOrigins?: string[];
  table?: string;
  clock?: ClockSetting;
  sweepIntervalMs?: number;
  /** How often due webhook retries are sent (scripts/start/webhooks.ts). Default 1000. */
  webhookIntervalMs?: number;
  log?: (line: string) => void;
};

export const DEFAULT_PORT = 4000;
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;
export const DEFAULT_WEBHOOK_INTERVAL_MS = 1_000;

/** The options `npm start` derives from the environment. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): StartOptions {
  const integer = (name: string, fallback: number) => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`);
    return Number.parseInt(text, 10);
  };
  const dataDir = env.BILLING_DATA_DIR?.trim() || ".data";
  return {
    port: integer("PORT", DEFAULT_PORT),
    host: env.HOST?.trim() || undefined,
    allowedHosts: listSetting(env.BILLING_ALLOWED_HOSTS),
    dataDir: dataDir === "memory" ? undefined : dataDir,
    apiKey: present(env.BILLING_API_KEY),
    signingSecret: present(env.BILLING_SIGNING_SECRET),
    corsOrigins: listSetting(env.BILLING_CORS_ORIGINS),
    table: env.BILLING_TABLE?.trim() || undefined,
    clock: clockSetting(env.BILLING_CLOCK?.trim() || "test"),
    sweepIntervalMs: integer("BILLING_SWEEP_INTERVAL_MS", DEFAULT_SWEEP_INTERVAL_MS),
    webhookIntervalMs: integer("BILLING_WEBHOOK_INTERVAL_MS", DEFAULT_WEBHOOK_INTERVAL_MS),
  };
}
