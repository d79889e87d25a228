// Debian's Chromium for browser tests, driven by playwright-core (no downloaded browser). Tests skip only
// when /usr/bin/chromium is missing outside CI; in CI (CI set) it must be there and they must run.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const chromiumAvailable = existsSync(CHROMIUM) || !!process.env.CI;

export interface ChromiumTab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught page errors and console.error lines seen so far (tests read and clear it). */
  readonly pageErrors: string[];
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh profile and one tab whose uncaught errors are collected, and its
 * console.error lines too unless `consoleErrors` is false (a page that logs expected failures).
 */
export async function launchChromium(options: { profilePrefix: string; extraArgs?: string[]; consoleErrors?: boolean }): Promise<ChromiumTab> {
  const { chromium } = await import("playwright-core");
  const userDataDir = mkdtempSync(join(tmpdir(), options.profilePrefix));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...(options.extraArgs ?? [])],
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (options.consoleErrors !== false && message.type() === "error") pageErrors.push(`${message.text()} ${message.location().url ?? ""}`);
  });
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
