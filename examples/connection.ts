/**
 * Where the examples find the API: BILLING_URL (default `npm start`'s http://localhost:4000/graphql)
 * and BILLING_API_KEY (default the key `npm start` stored in .data/api-key).
 */
import { existsSync, readFileSync } from "node:fs";

export function connection(): { url: string; apiKey: string } {
  const url = process.env.BILLING_URL ?? "http://localhost:4000/graphql";
  const stored = new URL("../.data/api-key", import.meta.url);
  const apiKey = process.env.BILLING_API_KEY ?? (existsSync(stored) ? readFileSync(stored, "utf8").trim() : "");
  if (!apiKey) throw new Error("run `npm start` first, or set BILLING_API_KEY (and BILLING_URL)");
  return { url, apiKey };
}
