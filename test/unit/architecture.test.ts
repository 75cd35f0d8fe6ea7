/**
 * The dependency rules of the layout (docs/architecture.md), checked over the production code's
 * imports (core/, schema/, functions/, stacks/, and the web apps' server that the Web Lambda
 * bundles), type-only imports and re-exports included:
 *
 * - dependencies flow one way, core/<domain> -> core/db -> types: what core/db imports from the
 *   rest of core (types, schemas, pure helpers) never leads back into core/db;
 * - only core/db (DynamoDB) and core/aws (the other AWS services) import the AWS SDK;
 * - core imports neither GraphQL nor Pothos nor the Lambda types: it is the domain, not an API.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PRODUCTION = ["core", "schema", "functions", "stacks", "web/server"];
/** Single production files outside those folders: the web apps' table and their build (stacks/web.ts). */
const PRODUCTION_FILES = ["web/apps.ts", "web/build.ts", "web/api-operations.ts", "web/shared/optional-operations.ts"];

type Module = { path: string; local: string[]; packages: string[] };

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** A relative specifier as a repository path: the file, or the folder's index. */
function resolveLocal(from: string, specifier: string, files: Set<string>): string {
  const base = relative(ROOT, resolve(ROOT, dirname(from), specifier));
  const found = [base, `${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
  if (!found) throw new Error(`${from}: cannot resolve "${specifier}"`);
  return found;
}

function moduleGraph(): Map<string, Module> {
  const paths = [...PRODUCTION.flatMap(sourceFiles), ...PRODUCTION_FILES];
  const files = new Set(paths);
  return new Map(
    paths.map((path) => {
      const specifiers = ts
        .preProcessFile(readFileSync(join(ROOT, path), "utf8"), true, true)
        .importedFiles.map((f) => f.fileName);
      const local = specifiers.filter((s) => s.startsWith(".")).map((s) => resolveLocal(path, s, files));
      const packages = specifiers.filter((s) => !s.startsWith("."));
      return [path, { path, local, packages }];
    }),
  );
}

const graph = moduleGraph();
const inDb = (path: string) => path.startsWith("core/db/");

/** Every module `start` imports, directly or not. */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    for (const next of graph.get(stack.pop()!)?.local ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

describe("the layout's dependency rules", () => {
  it("reads the production code's imports", () => {
    expect(graph.get("core/db/keys.ts")).toBeDefined();
    expect(graph.get("core/usage/track.ts")?.local).toContain("core/db/events.ts");
  });

  it("core/db imports nothing from the rest of core that imports core/db back", () => {
    const loops: string[] = [];
    for (const module of graph.values()) {
      if (!inDb(module.path)) continue;
      for (const imported of module.local.filter((path) => !inDb(path))) {
        const back = [...reachable(imported)].filter(inDb);
        if (back.length) loops.push(`${module.path} -> ${imported} -> ... -> ${back.join(", ")}`);
      }
    }
    expect(loops).toEqual([]);
  });

  it("only core/db and core/aws import the AWS SDK", () => {
    const users = [...graph.values()]
      .filter((m) => m.packages.some((p) => p.startsWith("@aws-sdk/")))
      .map((m) => m.path)
      .filter((path) => !inDb(path) && !path.startsWith("core/aws/"));
    expect(users).toEqual([]);
  });

  it("core imports neither GraphQL, Pothos nor the Lambda types", () => {
    const forbidden = /^(graphql|graphql-yoga|@graphql-yoga\/|@pothos\/|@types\/aws-lambda|aws-lambda)/;
    const users = [...graph.values()]
      .filter((m) => m.path.startsWith("core/") && m.packages.some((p) => forbidden.test(p)))
      .map((m) => `${m.path}: ${m.packages.filter((p) => forbidden.test(p)).join(", ")}`);
    expect(users).toEqual([]);
  });
});
