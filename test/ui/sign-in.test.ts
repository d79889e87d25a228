// The console against a broker that requires authentication (`rivulet serve --require-auth`, a user made
// with `rivulet users add`), in Debian's Chromium: it says it is not connected, refuses a wrong password,
// signs in with the user's password (SCRAM-SHA-256 over WebCrypto, then PLAIN), keeps the password in
// memory only (nothing in localStorage or sessionStorage; a reload forgets it), shows each topic's and
// partition's size on disk, and signs out (its connection closes). Screenshot: test/ui/artifacts/sign-in.png.
// Skipped only when /usr/bin/chromium is missing outside CI. Needs `npm run build:ts` first.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { chromiumAvailable as available, launchChromium, type ChromiumTab } from "../helpers/chromium.js";
import { CLI as cli, cliProcesses } from "../helpers/cli-processes.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(root, "test", "ui", "artifacts");
const PASSWORD = "alice-Secret-42";
const { tempDir, serve } = cliProcesses();

let dataDir: string;
let browser: ChromiumTab | undefined;
let page: Page;
let base: string;
let client: RivuletClient;
let pageErrors: string[] = [];

async function startBroker(): Promise<number> {
  return (await serve(dataDir, 0, ["--shards", "1", "--require-auth"])).port;
}

async function connections(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^rivulet_connections (\d+)$/m.exec(text)![1]);
}

async function metricSizes(topic: string): Promise<number[]> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^rivulet_partition_size_bytes\\{topic="${topic}",partition="(\\d+)"\\} (\\d+)$`, "gm"))].sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => Number(m[2]));
}

beforeAll(async () => {
  if (!available) return;
  if (!existsSync(join(root, "dist", "ui", "index.html"))) execFileSync(process.execPath, [join(root, "scripts", "build-ui.mjs")], { stdio: "inherit" });
  mkdirSync(artifacts, { recursive: true });
  dataDir = tempDir("rivulet-ui-auth-");
  execFileSync(process.execPath, [cli, "users", "add", "alice", "--password-stdin", "--data-dir", dataDir], { input: `${PASSWORD}\n` });
  const port = await startBroker();
  base = `http://127.0.0.1:${port}`;
  client = await connect({ url: `ws://127.0.0.1:${port}/ws`, auth: { username: "alice", password: PASSWORD } });
  await client.admin.createTopic("signed", { partitions: 2 });
  const producer = client.producer({ acks: "all" });
  await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic: "signed", partition: 0, value: `record ${i} `.repeat(50) })));

  browser = await launchChromium({ profilePrefix: "rivulet-chromium-signin-", consoleErrors: false });
  page = browser.page;
  pageErrors = browser.pageErrors;
}, 90_000);

afterAll(async () => {
  client?.close();
  await browser?.close(); // the broker is killed by cliProcesses' cleanup
});

async function signIn(password: string, mechanism = "SCRAM-SHA-256"): Promise<void> {
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Mechanism").selectOption(mechanism);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

describe.skipIf(!available)("signing in from the console", () => {
  it("refuses a wrong password, signs in with SCRAM, keeps the password in memory only, shows sizes on disk, signs out", async () => {
    await page.goto(`${base}/ui`);
    await page.getByRole("heading", { name: "Not connected" }).waitFor({ timeout: 15_000 });

    await signIn("not-the-password");
    await page.getByRole("alert").filter({ hasText: "Cannot reach the broker" }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole("alert").innerText()).toMatch(/refused the credentials|authentication failed|SASL_AUTHENTICATION_FAILED/i);
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    expect(await page.getByLabel("User name").inputValue()).toBe("alice");

    await signIn(PASSWORD);
    await page.locator(".conn.connected").waitFor({ timeout: 15_000 });
    await page.getByLabel("Signed in as").filter({ hasText: "User:alice" }).waitFor();
    // The credentials are nowhere but in the page's memory.
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain("alice");

    // Topics: the size on disk is the broker's own figure (the sum of its partitions on /metrics).
    const row = page.locator('tr[data-topic="signed"]');
    await row.waitFor({ timeout: 10_000 });
    const sizes = await metricSizes("signed");
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBeGreaterThan(200 * 500);
    expect(sizes[1]).toBe(0);
    const described = await client.admin.describeTopic("signed", { sizes: true });
    expect(described.partitions.map((p) => p.sizeBytes)).toEqual(sizes);
    await row.locator(`td[data-size="${sizes[0]! + sizes[1]!}"]`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, "sign-in.png") });
    // The topic page: each partition's size.
    await row.getByRole("link", { name: "signed" }).click();
    await page.locator(`table.partitions td[data-size="${sizes[0]}"]`).waitFor({ timeout: 10_000 });
    await page.locator('table.partitions td[data-size="0"]').waitFor();

    // Sign out: the connection closes and nothing reconnects.
    const before = await connections();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Signed out" }).waitFor();
    await page.locator(".conn.signed-out").waitFor();
    for (let i = 0; i < 50 && (await connections()) !== before - 1; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await connections()).toBe(before - 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await connections()).toBe(before - 1);

    // PLAIN works too; a reload forgets the sign-in (memory only).
    await signIn(PASSWORD, "PLAIN");
    await page.getByLabel("Signed in as").filter({ hasText: "User:alice" }).waitFor({ timeout: 15_000 });
    await page.reload();
    await page.getByRole("heading", { name: "Not connected" }).waitFor({ timeout: 15_000 });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
