/**
 * The daily catalog sync (EventBridge schedule -> Lambda). Downloads the configured catalog URL
 * (models.dev by default) and imports it through the review (core/catalog/review.ts): pinned
 * prices are kept, suspicious or absurd price changes are held with the last good price staying,
 * and a feed that is not a believable catalog changes nothing. The outcome is one JSON line (with
 * every held change and its reason: the diff) and one CloudWatch metric in Embedded Metric Format,
 * `CatalogSyncAnomalies` (held models, or 1 for a refused feed), which stacks/alarms.ts alarms on.
 * A refused feed succeeds (retrying the same bad data would not help).
 *
 * The download trusts nothing about the source: https only (plain http only to this machine, and
 * only with the test clock, for tests), no redirects, at most 10 MiB, 30 s. These and network,
 * HTTP status and DynamoDB failures throw, so Lambda retries and the dead-letter alarm sees them.
 */
import { realClock } from "../core/clock";
import { createDb } from "../core/db/client";
import { RecordingPublisher, type Deps } from "../core/deps";
import { FeedRejectedError } from "../core/catalog/feed";
import { importCatalog } from "../core/catalog/import";
import { ANOMALY_METRIC, METRIC_NAMESPACE } from "../core/catalog/sync-metric";
import { loadConfig, type Config } from "./config";

/** The part of an EventBridge scheduled event this handler reads. */
export type ScheduledEvent = { id?: string; time?: string; "detail-type"?: string; source?: string };

const DOWNLOAD_TIMEOUT_MS = 30_000;
export const MAX_FEED_BYTES = 10 * 1024 * 1024;

export const handler = async (event: ScheduledEvent) => {
  const config = loadConfig();
  const started = {
    event: "catalog-sync",
    source: config.catalogUrl,
    trigger: event.id ?? null,
    scheduledAt: event.time ?? null,
  };
  const text = await download(checkedSource(config), MAX_FEED_BYTES);
  try {
    const summary = await importCatalog(depsFor(config), text);
    const result = {
      ...started,
      status: "imported",
      ...summary,
      skipped: summary.skipped.length,
    };
    console.log(JSON.stringify(result));
    emitAnomalies(summary.held.length);
    return result;
  } catch (error) {
    if (!(error instanceof FeedRejectedError)) throw error;
    const result = { ...started, status: "rejected", reason: error.message };
    console.log(JSON.stringify(result));
    emitAnomalies(1);
    return result;
  }
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function checkedSource(config: Config): URL {
  const url = new URL(config.catalogUrl);
  const testLoopback = url.protocol === "http:" && LOOPBACK.has(url.hostname) && config.clock === "test";
  if (url.protocol !== "https:" && !testLoopback)
    throw new Error(`catalog download refused: ${url.protocol}// is not https (${config.catalogUrl})`);
  return url;
}

async function download(url: URL, maxBytes: number): Promise<string> {
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (response.status >= 300 && response.status < 400) {
    throw new Error(`catalog download refused: redirect (HTTP ${response.status}) from ${url.href}`);
  }
  if (!response.ok) throw new Error(`catalog download failed: HTTP ${response.status} from ${url.href}`);
  const tooLarge = () => new Error(`catalog download refused: more than ${maxBytes} bytes from ${url.href}`);
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
    bytes += read.value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** One metric through CloudWatch's Embedded Metric Format: a log line Lambda turns into a metric. */
function emitAnomalies(count: number): void {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local";
  console.log(
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [["FunctionName"]],
            Metrics: [{ Name: ANOMALY_METRIC, Unit: "Count" }],
          },
        ],
      },
      FunctionName: functionName,
      [ANOMALY_METRIC]: count,
    }),
  );
}

/** The sync writes only catalog items: real time stamps `updatedAt`, and it publishes nothing. */
function depsFor(config: Config): Deps {
  return {
    db: createDb({ table: config.table, endpoint: config.endpoint }),
    clock: realClock,
    publisher: new RecordingPublisher(),
  };
}
