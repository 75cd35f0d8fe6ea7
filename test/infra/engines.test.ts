/**
 * `npm ci` on Node 20 installs nothing that declares it needs a newer Node (npm prints an
 * EBADENGINE warning for each), except the one documented in docs/running-locally.md: SST's
 * `@aws/durable-execution-sdk-js`, a dev-only dependency of the deploy tool that no Lambda bundle
 * and no script ever loads (test/infra/bundle.test.ts checks the bundles).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const lock = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8")) as {
  packages: Record<string, { version?: string; optional?: boolean; engines?: { node?: string } }>;
};
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
};

/** Known harmless: see the header. */
const ALLOWED = new Set(["node_modules/@aws/durable-execution-sdk-js"]);

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, "").split(".").map(Number);
  return [major, minor, patch];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of semver ranges package engines use: `||` of `>=x`, `^x`, `x`, space-joined comparators. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split("||").some((alternative) =>
    alternative
      .trim()
      .replace(/([<>=^~]+)\s+/g, "$1")
      .split(/\s+/)
      .every((comparator) => {
        const match = /^(>=|>|<=|<|\^|~|=)?v?(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (!match) throw new Error(`unsupported engines range "${range}"`);
        const [, op = "=", target] = match;
        const t = parse(target!);
        const c = compare(v, t);
        const parts = target!.split(".").length;
        switch (op) {
          case ">=":
            return c >= 0;
          case ">":
            return c > 0;
          case "<=":
            return c <= 0;
          case "<":
            return c < 0;
          case "^":
            return c >= 0 && v[0] === t[0];
          case "~":
            return c >= 0 && v[0] === t[0] && v[1] === t[1];
          default:
            return parts === 1 ? v[0] === t[0] : parts === 2 ? v[0] === t[0] && v[1] === t[1] : c === 0;
        }
      }),
  );
}

describe("Node 20 support", () => {
  it("reads engines ranges the way npm does for the forms in the lock", () => {
    expect(satisfies("20.19.0", ">=20")).toBe(true);
    expect(satisfies("20.19.0", ">=22.15.0")).toBe(false);
    expect(satisfies("20.19.0", "^22.20 || ^24.12 || >=25")).toBe(false);
    expect(satisfies("20.19.0", "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies("20.19.0", ">= 16")).toBe(true);
  });

  it("installs no package that needs a newer Node than 20 (except the documented dev-only one)", () => {
    expect(pkg.engines.node).toBe(">=20");
    const tooNew = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== "" && !entry.optional && entry.engines?.node)
      .filter(
        ([, entry]) => !satisfies("20.19.0", entry.engines!.node!) || !satisfies(process.version, entry.engines!.node!),
      )
      .map(([path, entry]) => `${path}@${entry.version} (node ${entry.engines!.node})`)
      .filter((line) => !ALLOWED.has(line.split("@").slice(0, -1).join("@")));
    expect(tooNew).toEqual([]);
  });
});
