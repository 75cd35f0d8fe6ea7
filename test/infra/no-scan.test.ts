/**
 * No Scan anywhere in the API (issue 19): a Scan reads the whole table, so its cost and latency
 * grow with every customer and event ever stored. Checked twice: statically, no code outside
 * tests, tools and the bench names a Scan command, and the deployed roles may not Scan; at run
 * time, every test database refuses a Scan (test/support/db.ts), so a test reaching one fails.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createTestDb } from "../support/db";

const root = new URL("../../", import.meta.url).pathname;
/** Where code that serves the API or runs deployed lives (tools/, bench/ and test/ may Scan). */
const SERVING = ["core", "schema", "functions", "scripts", "stacks", "web", "client/src", "mcp/src"];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return name === "node_modules" ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe("no Scan in the API", () => {
  it("no serving code names a Scan command or a Scan operation", () => {
    const offenders = SERVING.flatMap(sources).filter((path) =>
      /\b(ScanCommand|ParallelScan|ScanInput|paginateScan|ScanCommandInput)\b|["']Scan["']|dynamodb:Scan/.test(
        readFileSync(join(root, path), "utf8"),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it("no deployed role may Scan", () => {
    const permissions = readFileSync(join(root, "stacks/permissions.ts"), "utf8");
    expect(permissions).not.toMatch(/dynamodb:Scan|"dynamodb:\*"/);
  });

  it("every test database refuses a Scan, so a test that reaches one fails", async () => {
    const db = await createTestDb();
    await expect(db.doc.send(new ScanCommand({ TableName: db.table }))).rejects.toThrow(
      "a Scan was issued: the API must Query an index",
    );
  });
});
