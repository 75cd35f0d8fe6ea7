/**
 * npm run catalog:import -- <file-or-url> [--force] [--accept-price-changes]
 *
 * Upserts a models.dev-shaped catalog (a file path or an http(s) URL) into the table named by
 * BILLING_TABLE (on DYNAMODB_ENDPOINT when set, e.g. the local server's DynamoDB Local), printing a
 * line per provider and a summary. `--force` accepts a feed much smaller than the stored catalog;
 * `--accept-price-changes` writes the price changes the review holds (zero prices, moves over 2x:
 * core/catalog/review.ts), for an operator who checked them. Pinned prices are kept either way.
 */
import { readFile } from "node:fs/promises";
import { realClock } from "../core/clock";
import { createDb } from "../core/db/client";
import { RecordingPublisher } from "../core/deps";
import { importCatalog } from "../core/catalog/import";
import { isDomainError } from "../core/errors";

const args = process.argv.slice(2);
const source = args.find((arg) => !arg.startsWith("--"));
const table = process.env.BILLING_TABLE;
if (!source || !table) {
  console.error(
    "usage: BILLING_TABLE=<table> [DYNAMODB_ENDPOINT=<url>] npm run catalog:import -- <file-or-url> [--force] [--accept-price-changes]",
  );
  process.exit(2);
}

const text = /^https?:\/\//.test(source)
  ? await fetch(source, { signal: AbortSignal.timeout(60_000) }).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status} from ${source}`);
      return response.text();
    })
  : await readFile(source, "utf8");

const deps = {
  db: createDb({ table, endpoint: process.env.DYNAMODB_ENDPOINT || undefined }),
  clock: realClock,
  publisher: new RecordingPublisher(),
};
try {
  await importCatalog(deps, text, {
    log: (line) => console.log(line),
    force: args.includes("--force"),
    acceptPriceChanges: args.includes("--accept-price-changes"),
  });
} catch (error) {
  if (!isDomainError(error)) throw error;
  console.error(error.message);
  process.exit(1);
}
