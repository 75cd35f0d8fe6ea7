/**
 * The browser project's setup: Debian's Chromium must be there (`.ci/run` installs it), and the
 * web apps are built once for the run, into a temporary folder the test servers serve.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildWeb, formatWebSizes } from "../../web/build";
import { CHROMIUM } from "./chromium";

let outDir: string | undefined;

export async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  outDir = mkdtempSync(join(tmpdir(), "billing-web-"));
  const built = await buildWeb(outDir);
  console.log(`Web apps built for the browser tests:\n${formatWebSizes(built)}`);
  project.provide("webDir", outDir);
}

export async function teardown() {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    webDir: string;
  }
}
