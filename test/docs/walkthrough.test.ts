/**
 * Keeps the documentation true: every GraphQL operation in the documents below runs, top to
 * bottom, against a server set up the way a fresh `npm start` sets it up (the same seed and AI
 * model catalog, over real HTTP, on its own table), and every answer the document shows must be
 * exactly what the server answers. A behaviour change that changes an answer is made by editing
 * the markdown, never this file. The server is the suite's test server (its DynamoDB Local, not a
 * second Java process as startLocal would start): the same yoga, seed and catalog as `npm start`;
 * only the API key, the event log and the sweeper differ, and none of them shows in an answer.
 *
 * The markdown conventions (also written at the top of docs/walkthrough.md):
 * - Every ```graphql block is one complete operation and is run, in document order, each document
 *   on its own fresh server.
 * - A ```json block that follows a ```graphql block with nothing but blank lines between is its
 *   answer: the response's `data`, or, when it has a top-level `"errors"` key, the whole response
 *   (`errors` and `data`). Compared exactly (key order aside). An operation without an answer block
 *   must succeed without errors.
 * - Dates are what the test clock shows when it starts at CLOCK_START (a fresh `npm start` starts
 *   it at the moment of the first start, so a reader's dates differ by that offset only).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSnapshotIfEmpty } from "../../core/catalog/import";
import { seedIfEmpty } from "../../scripts/seed";
import { startTestApi, type TestApi } from "../support/server";

const DOCUMENTS = ["docs/walkthrough.md", "docs/billing-periods.md", "README.md"];
const CLOCK_START = "2026-11-23T12:13:49.146Z";
const ROOT = join(import.meta.dirname, "../..");

type Operation = { line: number; query: string; answer?: unknown };

/** The ```graphql blocks of a markdown text, each with the ```json block right after it, if any. */
function operationsOf(document: string, markdown: string): Operation[] {
  const blocks = [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    lang: match[1]!,
    body: match[2]!,
    start: match.index,
    end: match.index + match[0].length,
  }));
  const lineAt = (offset: number) => markdown.slice(0, offset).split("\n").length;
  return blocks.flatMap((block, i) => {
    if (block.lang !== "graphql") return [];
    const next = blocks[i + 1];
    const line = lineAt(block.start);
    if (next?.lang !== "json" || markdown.slice(block.end, next.start).trim() !== "")
      return [{ line, query: block.body }];
    try {
      return [{ line, query: block.body, answer: JSON.parse(next.body) }];
    } catch (error) {
      throw new Error(`${document}:${lineAt(next.start)}: the answer block is not JSON (${String(error)})`);
    }
  });
}

for (const document of DOCUMENTS) {
  describe(document, () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ clockStart: CLOCK_START });
      await seedIfEmpty(api.deps);
      await loadSnapshotIfEmpty(api.deps);
    });
    afterAll(() => api.close());

    const operations = operationsOf(document, readFileSync(join(ROOT, document), "utf8"));
    it("has operations", () => expect(operations.length).toBeGreaterThan(0));

    for (const { line, query, answer } of operations) {
      const title = `line ${line}: ${query.replace(/\s+/g, " ").trim().slice(0, 80)}`;
      it(title, async () => {
        const { status: _, ...body } = await api.gql(query);
        const showsErrors = typeof answer === "object" && answer !== null && "errors" in answer;
        if (answer === undefined) expect(body.errors, `${document}:${line}`).toBeUndefined();
        else expect(showsErrors || body.errors ? body : body.data, `${document}:${line}`).toEqual(answer);
      });
    }
  });
}
