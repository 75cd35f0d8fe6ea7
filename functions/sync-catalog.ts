/**
 * The daily catalog sync (EventBridge schedule -> Lambda). Downloads the configured catalog URL
 * (models.dev by default) and upserts what changed. A download that is not a believable catalog
 * (malformed, empty, partial) changes nothing: it is logged with the reason and the invocation
 * succeeds, since retrying the same bad data would not help. Anything else (network, HTTP status,
 * DynamoDB) throws, so Lambda's retry and the error alarm see it.
 */
import { realClock } from "../core/clock";
import { createDb } from "../core/db/client";
import { RecordingPublisher, type Deps } from "../core/deps";
import { FeedRejectedError } from "../core/catalog/feed";
import { importCatalog } from "../core/catalog/import";
import { loadConfig, type Config } from "./config";

/** The part of an EventBridge scheduled event this handler reads. */
export type ScheduledEvent = { id?: string; time?: string; "detail-type"?: string; source?: string };

const DOWNLOAD_TIMEOUT_MS = 30_000;

export const handler = async (event: ScheduledEvent) => {
  const config = loadConfig();
  const started = {
    event: "catalog-sync",
    source: config.catalogUrl,
    trigger: event.id ?? null,
    scheduledAt: event.time ?? null,
  };
  const text = await download(config.catalogUrl);
  try {
    const summary = await importCatalog(depsFor(config), text);
    const result = { ...started, status: "imported", ...summary, skipped: summary.skipped.length };
    console.log(JSON.stringify(result));
    return result;
  } catch (error) {
    if (!(error instanceof FeedRejectedError)) throw error;
    const result = { ...started, status: "rejected", reason: error.message };
    console.log(JSON.stringify(result));
    return result;
  }
};

async function download(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`catalog download failed: HTTP ${response.status} from ${url}`);
  return response.text();
}

/** The sync writes only catalog items: real time stamps `updatedAt`, and it publishes nothing. */
function depsFor(config: Config): Deps {
  return {
    db: createDb({ table: config.table, endpoint: config.endpoint }),
    clock: realClock,
    publisher: new RecordingPublisher(),
  };
}
