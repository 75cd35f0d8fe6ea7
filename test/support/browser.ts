/**
 * Chromium for the browser tests: Debian's build at /usr/bin/chromium driven by playwright-core
 * (no browser download), with the flags this machine needs (no sandbox as root, and no background
 * networking, which a closed network refuses). Each page records every request it makes and every
 * console error (a CSP violation is one), so a test can assert that nothing left the origin and
 * nothing was blocked; `expectAccessible` runs axe-core in the page.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect, inject } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { loadWebAssets, type WebAssets } from "../../web/server/assets";
import { CHROMIUM, CHROMIUM_FLAGS } from "./chromium";
import { startTestApi, type TestApi } from "./server";

/** Where screenshots go (git-ignored), to look at them after a run. */
export const SCREENSHOTS = join(process.cwd(), "test-results", "screenshots");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** The web apps built by the browser project's setup (test/support/browser-setup.ts). */
export function builtWebAssets(): WebAssets {
  return loadWebAssets(inject("webDir"));
}

export type TrackedPage = {
  page: Page;
  context: BrowserContext;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and uncaught exceptions (CSP violations included). */
  errors: string[];
};

export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TrackedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, context, requests, errors };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };

/**
 * Runs axe-core (WCAG 2 A/AA rules and best practices) on the page as it is now; returns the
 * serious and critical violations, each as "rule: help (targets)". The script goes in through
 * the DevTools protocol (page.evaluate), which the page's CSP does not govern, so the page keeps
 * its real policy while it is checked.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (context: unknown, options: unknown) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")})`);
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * What every browser test file starts with: the real API on its own table serving the built web
 * apps, Chromium, and one tracked tab. `check` is the per-page check of both apps' tests: axe-core
 * finds no serious or critical violation, nothing was requested from another origin, the browser
 * logged no error (CSP violations included); then a screenshot `<prefix>-<name>.png`.
 */
export type BrowserSuite = {
  api: TestApi;
  browser: Browser;
  tab: TrackedPage;
  page: Page;
  origin: string;
  check: (name: string, tracked?: TrackedPage) => Promise<void>;
  /** A second tracked tab in its own context (its own session storage), closed after `use`. */
  withTab: <T>(use: (tracked: TrackedPage) => Promise<T>, options?: Parameters<typeof openPage>[1]) => Promise<T>;
  close: () => Promise<void>;
};

export async function startBrowserSuite(prefix: string): Promise<BrowserSuite> {
  const api = await startTestApi({ web: builtWebAssets() });
  const origin = new URL(api.url).origin;
  const browser = await launchChromium();
  const tab = await openPage(browser);
  const check = async (name: string, tracked: TrackedPage = tab) => {
    expect(await seriousViolations(tracked.page), `axe on ${name}`).toEqual([]);
    expect(
      tracked.requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:")),
      name,
    ).toEqual([]);
    expect(tracked.errors, name).toEqual([]);
    await screenshot(tracked.page, `${prefix}-${name}`);
  };
  const withTab: BrowserSuite["withTab"] = async (use, options) => {
    const tracked = await openPage(browser, options);
    try {
      return await use(tracked);
    } finally {
      await tracked.context.close();
    }
  };
  const close = async () => {
    await browser.close();
    await api.close();
  };
  return { api, browser, tab, page: tab.page, origin, check, withTab, close };
}
