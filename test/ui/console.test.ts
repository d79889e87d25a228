// The web console in a real browser: Debian's Chromium (driven by playwright-core, no downloaded browser)
// against a live broker child process (`rivulet serve`), through the pages a user would use: create a
// topic, produce from the form, watch the record arrive in the live tail, follow a ~50,000 records/s stream
// for 10 s while measuring the tab's frame times and heap, see a consumer group's lag change and reset it,
// chart the broker's throughput, delete the topic. Screenshots of each page go to test/ui/artifacts/.
//
// Skipped only when /usr/bin/chromium is missing outside CI; in CI (CI set) it must run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { chromiumAvailable as available, launchChromium, type ChromiumTab } from "../helpers/chromium.js";
import { cliProcesses, type CliBroker } from "../helpers/cli-processes.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(root, "test", "ui", "artifacts");
const { tempDir, serve } = cliProcesses();

let broker: CliBroker | undefined;
let dataDir: string | undefined;
let browser: ChromiumTab | undefined;
let page: Page;
let base: string;
let client: RivuletClient;
let pageErrors: string[] = [];

/** The broker on this file's data dir (made on the first start), on a new port each time. */
async function startBroker(): Promise<number> {
  dataDir ??= tempDir("rivulet-ui-broker-");
  broker = await serve(dataDir, 0, ["--shards", "2", "--log-level", "info"]);
  return broker.port;
}

// On a failed wait, the page's text says what the console showed instead.
async function debugText(): Promise<string> {
  return (await page.locator("main").innerText().catch(() => "")).slice(0, 3000);
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

  browser = await launchChromium({ profilePrefix: "rivulet-chromium-", extraArgs: ["--enable-precise-memory-info"] });
  page = browser.page;
  pageErrors = browser.pageErrors;
}, 90_000);

afterAll(async () => {
  client?.close();
  await browser?.close(); // the broker is killed by cliProcesses' cleanup
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
    expect(await row.locator(":scope > td").nth(3).textContent()).toBe("0 B"); // size on disk: nothing yet
    expect(await row.locator(":scope > td").nth(5).textContent()).toBe("1 h");
    // The same name again: the broker refuses it and the form says why.
    await page.getByLabel("Name", { exact: true }).fill("orders");
    await page.getByRole("button", { name: "Create topic" }).click();
    await page.getByRole("alert").filter({ hasText: /exist/i }).waitFor();
    // Alter its configs from the row: set one, and the retention column follows.
    await row.locator("summary").click();
    await row.getByLabel("Set", { exact: true }).fill("retention.ms=7200000");
    await row.getByRole("button", { name: "Apply" }).click();
    await row.getByRole("status").filter({ hasText: "Configs of orders changed" }).waitFor();
    await page.waitForFunction(() => document.querySelector('tr[data-topic="orders"] > td:nth-of-type(6)')?.textContent === "2 h");
    expect((await client.admin.describeTopic("orders")).configs.find((c) => c.name === "retention.ms")?.value).toBe("7200000");
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

  it("jumps to a time, and the record list is usable from the keyboard", async () => {
    await client.admin.createTopic("timed", { partitions: 1 });
    const years = [2020, 2021, 2022];
    await client.producer({ lingerMs: 0 }).sendMany(years.map((y) => ({ topic: "timed", key: `y${y}`, value: `year ${y}`, timestamp: Date.UTC(y, 5, 1) })));
    await page.goto(`${base}/ui#/topic/timed`);
    await page.getByLabel("Start at").selectOption("time");
    // datetime-local is local time: 2021-01-01T00:00:00Z as the page's clock writes it.
    const local = await page.evaluate(() => {
      const d = new Date(Date.UTC(2021, 0, 1));
      const p = (n: number) => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    });
    await page.getByLabel("Time (local)").fill(local);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.locator(".record", { hasText: "year 2022" }).waitFor();
    await page.locator('.tail-stats[data-received="2"]').waitFor();
    expect(await page.locator(".record", { hasText: "year 2020" }).count()).toBe(0);

    // Keyboard: focus the list, Home selects the newest, ArrowDown the next one; the detail follows.
    await page.getByRole("grid").focus();
    await page.keyboard.press("Home");
    await page.locator(".detail h2", { hasText: "offset 2" }).waitFor();
    await page.keyboard.press("ArrowDown");
    await page.locator(".detail h2", { hasText: "offset 1" }).waitFor();
    expect(await page.locator(".detail").textContent()).toContain("year 2021");
    // Every form control on the page has an accessible name.
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll("input, select, textarea, button"))
        .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute("aria-label") && !(el.textContent ?? "").trim())
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
  });

  it("follows a ~50,000 records/s stream for 10 s with the tab responsive and its memory bounded", async () => {
    const RATE = 50_000;
    const SECONDS = 10;
    await client.admin.createTopic("firehose", { partitions: 2 });
    await page.goto(`${base}/ui#/topic/firehose`);
    await page.locator('.tail-stats[data-state="streaming"]').waitFor();
    const cdp = await browser!.context.newCDPSession(page);
    const heapUsed = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      return ((await cdp.send("Runtime.getHeapUsage")) as { usedSize: number }).usedSize;
    };
    const heapBefore = await heapUsed();
    // Frame intervals from requestAnimationFrame, and the JS heap sampled every 250 ms, in the page.
    await page.evaluate(() => {
      const w = window as unknown as { frames_: number[]; heap_: number[]; stop_: boolean };
      w.frames_ = [];
      w.heap_ = [];
      w.stop_ = false;
      let last = performance.now();
      const loop = (t: number) => {
        w.frames_.push(t - last);
        last = t;
        if (!w.stop_) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      const sample = () => {
        w.heap_.push((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
        if (!w.stop_) setTimeout(sample, 250);
      };
      sample();
    });

    // The producer paces itself to RATE records/s in 10 ms steps (~120-byte JSON values, 100 keys).
    const producer = client.producer({ lingerMs: 2, acks: 1, batchBytes: 128 * 1024 });
    const value = (i: number) => `{"seq":${i},"user":"user-${i % 977}","event":"page_view","path":"/products/${i % 313}","ms":${i % 1000}}`;
    let sent = 0;
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    const pending: Promise<unknown>[] = [];
    // Meanwhile, input must stay snappy: Pause answers a click, and Resume, while the stream runs. Timed in
    // the page, from the click event's creation to the status line saying "paused" (the test process is
    // busy producing, so its own view of the round trip would measure itself).
    await page.evaluate(() => {
      const w = window as unknown as { clickLatency_?: number };
      const button = Array.from(document.querySelectorAll("button")).find((b) => b.textContent === "Pause")!;
      button.addEventListener(
        "click",
        (event) => {
          const observer = new MutationObserver(() => {
            if (document.querySelector('.tail-stats[data-state="paused"]')) {
              w.clickLatency_ = performance.now() - event.timeStamp;
              observer.disconnect();
            }
          });
          observer.observe(document.querySelector(".tail-stats")!, { attributes: true });
        },
        { capture: true, once: true },
      );
    });
    const clicks = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 4000));
      await page.getByRole("button", { name: "Pause" }).click();
      await page.locator('.tail-stats[data-state="paused"]').waitFor();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.getByRole("button", { name: "Resume" }).click();
      await page.locator('.tail-stats[data-state="streaming"]').waitFor();
      return page.evaluate(() => (window as unknown as { clickLatency_: number }).clickLatency_);
    })();
    while (Date.now() < deadline) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE) - sent;
      if (due > 0) {
        const batch = [];
        for (let i = 0; i < due; i++) batch.push({ topic: "firehose", key: `k-${(sent + i) % 100}`, value: value(sent + i) });
        pending.push(producer.sendMany(batch));
        sent += due;
      }
      if (producer.congested) await producer.drained();
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(pending);
    const elapsed = (Date.now() - started) / 1000;
    const pauseMs = await clicks;
    // Let the tail settle for a moment, then stop measuring.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { frames, heap } = await page.evaluate(() => {
      const w = window as unknown as { frames_: number[]; heap_: number[]; stop_: boolean };
      w.stop_ = true;
      return { frames: w.frames_.slice(1), heap: w.heap_ };
    });
    const stats = page.locator(".tail-stats");
    const received = Number(await stats.getAttribute("data-received"));
    const skipped = Number(await stats.getAttribute("data-skipped"));
    const shown = Number(await stats.getAttribute("data-shown"));
    const heapAfter = await heapUsed();
    await cdp.detach();

    const sorted = [...frames].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
    const heapPeak = Math.max(...heap);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `[console stream] produced ${sent} records in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s); tail received ${received} (${Math.round(received / elapsed)}/s), ` +
        `showing ${shown}, skipped ${skipped}; frames ${frames.length} (${(frames.length / elapsed).toFixed(0)} fps): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms; ` +
        `pause click answered in ${pauseMs.toFixed(0)} ms; heap after GC ${mib(heapBefore)} -> ${mib(heapAfter)} MiB, peak sampled ${mib(heapPeak)} MiB`,
    );
    await shot("tail-stream");

    // The producer shares a small machine with the broker and the browser (49,900/s measured when quiet,
    // ~27,000/s with the machine's load at 17): a floor that still means a heavy stream.
    expect(sent / elapsed).toBeGreaterThan(RATE * 0.3);
    // The tail kept taking a share of the stream throughout (all of it on a quiet machine with a paced
    // producer, a quarter to a half when the producer outruns the page on two shared cores; what it does not
    // take waits at the broker: credit), kept its window full and said how many records it passed over.
    expect(received).toBeGreaterThan(sent * 0.1);
    expect(shown).toBe(500);
    // How many it passes over depends on how many frames the page draws (500 rows each): a page that
    // draws more skips less (46% to over 60% seen), so the count is checked, not a share.
    expect(skipped).toBeGreaterThan(0);
    expect(skipped + shown).toBeLessThanOrEqual(received);
    // Responsive: frames kept coming at interactive rates, and a click was answered quickly.
    expect(frames.length / elapsed).toBeGreaterThan(20);
    expect(pct(50)).toBeLessThan(40);
    expect(pct(99)).toBeLessThan(300);
    expect(pauseMs).toBeLessThan(500);
    // Bounded memory: the window and the consumer's credit bound what the page holds.
    expect(heapAfter - heapBefore).toBeLessThan(16 * 1024 * 1024);
    expect(heapPeak).toBeLessThan(heapBefore + 96 * 1024 * 1024);
  }, 60_000);

  it("shows a consumer group's members, committed offsets and lag as they change, and resets them when empty", async () => {
    const [before] = await client.admin.metadata(["orders"]);
    const total = before!.partitions.reduce((n, p) => n + Number(p.logEndOffset), 0);
    const member = client.consumer({ group: "billing", topic: "orders", from: "earliest", autoCommitIntervalMs: 200 });
    for (let i = 0; i < total; i++) await member.next();
    await page.goto(`${base}/ui#/groups/billing`);
    // A live member: listed with its assignment, its commits bring the lag to 0.
    await page.locator('[data-group="billing"] .group-lag[data-lag="0"]').waitFor({ timeout: 10_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\npage: ${await debugText()}`);
    });
    await page.getByRole("cell", { name: /orders-0, orders-1, orders-2/ }).waitFor();
    expect(await page.getByRole("heading", { name: "Reset offsets" }).count()).toBe(0);
    await shot("group-member");
    await member.close();
    await page.locator(".group-state", { hasText: "Empty" }).waitFor({ timeout: 15_000 });

    // New records raise the lag the page shows (partition 2 has no commit: its lag is unknown, so the new
    // records go to the two partitions with one).
    await client.producer({ lingerMs: 0 }).sendMany(Array.from({ length: 25 }, (_, i) => ({ topic: "orders", partition: i % 2, key: `late-${i}`, value: `late ${i}` })));
    await page.locator('.group-lag[data-lag="25"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('tr[data-topic="orders"][data-partition="0"] .lag-value').textContent()).toBe("13");

    // Empty, so the reset form is offered: back to earliest, every record is lag again.
    await page.getByLabel("Reset to").selectOption("earliest");
    await page.getByRole("button", { name: "Reset offsets" }).click();
    await page.locator('.group-lag[data-lag="' + (total + 25) + '"]').waitFor({ timeout: 10_000 });
    const committed = await client.admin.committedOffsets("billing", ["orders"]);
    expect(committed.every((c) => c.offset === 0n)).toBe(true);
    await shot("groups");
  }, 60_000);

  it("charts the broker's live throughput and connections from /metrics, with shards and storage", async () => {
    await client.admin.createTopic("metered", { partitions: 2 });
    await page.goto(`${base}/ui#/broker`);
    await page.getByRole("heading", { name: "Broker" }).waitFor();
    const producer = client.producer({ lingerMs: 2, acks: 1 });
    const stop = Date.now() + 4000;
    const sending = (async () => {
      let i = 0;
      while (Date.now() < stop) {
        await producer.sendMany(Array.from({ length: 500 }, () => ({ topic: "metered", value: `metric ${i++}` })));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await page.waitForFunction(() => Number(document.querySelector('[data-metric="records-in"]')?.textContent?.replace(/,/g, "")) > 1000, undefined, { timeout: 10_000 });
    await sending;
    expect(Number(await page.locator('[data-metric="connections"]').textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.locator(".uplot").count()).toBe(3);
    expect(await page.locator("table.shards tbody tr").count()).toBe(2);
    await page.locator("table.storage tbody tr", { hasText: "metered" }).first().waitFor();
    await shot("broker");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe("rgb(255, 255, 255)");
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await background()).toBe("rgb(15, 19, 24)");
    await shot("broker-dark");
    await page.emulateMedia({ colorScheme: "light" });
  }, 30_000);

  it("deletes a topic after a typed confirmation, and cancelling deletes nothing", async () => {
    await page.goto(`${base}/ui#/topics`);
    const row = page.locator('tr[data-topic="orders"]');
    await row.waitFor();
    // Size on disk (DESCRIBE_TOPIC) and bytes appended (from /metrics) for a topic that has records.
    await page.waitForFunction(() => /^[1-9][\d.]* (B|KiB)$/.test(document.querySelector('tr[data-topic="orders"] > td:nth-of-type(4)')?.textContent ?? ""));
    await page.waitForFunction(() => /^[1-9][\d.]* (B|KiB)$/.test(document.querySelector('tr[data-topic="orders"] > td:nth-of-type(5)')?.textContent ?? ""));
    await shot("topics");
    await page.getByRole("button", { name: "Delete topic orders" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.getByRole("button", { name: "Delete topic" }).isDisabled()).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await client.admin.listTopics()).includes("orders")).toBe(true);

    await page.getByRole("button", { name: "Delete topic orders" }).click();
    await dialog.getByLabel(/Type/).fill("orders");
    await dialog.getByRole("button", { name: "Delete topic" }).click();
    await row.waitFor({ state: "detached" });
    await page.getByRole("status").filter({ hasText: "Deleted orders" }).waitFor();
    expect((await client.admin.listTopics()).includes("orders")).toBe(false);
  });

  it("says when it cannot connect, takes a token for the session only, and recovers with the right URL", async () => {
    // A port nothing listens on (taken from the kernel, then released).
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    await page.goto(`${base}/ui#/settings`);
    await page.getByLabel("Broker URL").fill(`http://127.0.0.1:${closedPort}`);
    await page.getByRole("button", { name: "Save and reconnect" }).click();
    await page.getByRole("link", { name: "Topics" }).click();
    await page.getByRole("alert").filter({ hasText: "Cannot reach the broker" }).waitFor({ timeout: 15_000 });
    await page.getByLabel("Access token").fill("secret-token");
    await page.getByRole("button", { name: "Sign in with the token" }).click();
    await page.getByRole("alert").filter({ hasText: "Cannot reach the broker" }).waitFor({ timeout: 15_000 });
    expect(await page.locator("main").innerText()).not.toContain("secret-token");
    const stored = await page.evaluate(() => ({ session: sessionStorage.getItem("rivulet.console.settings"), local: localStorage.getItem("rivulet.console.settings") }));
    expect(JSON.parse(stored.session!)).toEqual({ brokerUrl: `http://127.0.0.1:${closedPort}`, token: "secret-token" });
    expect(stored.local).not.toContain("secret-token");
    // Back to this page's own broker (empty URL), without the token.
    await page.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Broker URL").fill("");
    await page.getByLabel("Access token (optional)").fill("");
    await page.getByRole("button", { name: "Save and reconnect" }).click();
    await page.locator(".conn.connected").waitFor({ timeout: 10_000 });
    // The failed connections were refused, logged by Chromium, and are not retried any more.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(pageErrors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"))).toEqual([]);
    const before = pageErrors.length;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(pageErrors.length).toBe(before);
    pageErrors.length = 0;
  }, 45_000);

  it("survives the broker being killed (-9): says it is reconnecting, then follows the broker to a new address", async () => {
    await client.admin.createTopic("restarts", { partitions: 1 });
    await client.producer({ lingerMs: 0 }).send({ topic: "restarts", value: "before the kill" });
    await page.goto(`${base}/ui#/topic/restarts?from=earliest`);
    await page.locator(".record", { hasText: "before the kill" }).waitFor();
    await broker!.stop("SIGKILL");
    await page.locator(".conn.reconnecting").waitFor({ timeout: 10_000 });
    // The same data directory on a new port (the old one can stay unavailable for a while: see the report):
    // the settings panel points the console there, and what was stored before the kill is still there.
    const port = await startBroker();
    base = `http://127.0.0.1:${port}`;
    client.close();
    client = await connect({ url: `ws://127.0.0.1:${port}/ws` });
    await page.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Broker URL").fill(base);
    await page.getByRole("button", { name: "Save and reconnect" }).click();
    await page.locator(".conn.connected").waitFor({ timeout: 10_000 });
    await shot("settings");
    // The page itself came from the dead broker: move within it (a hash change, no load).
    await page.evaluate(() => (location.hash = "#/topic/restarts?from=earliest"));
    await page.locator(".record", { hasText: "before the kill" }).waitFor();
    await client.producer({ lingerMs: 0 }).send({ topic: "restarts", value: "after the restart" });
    await page.locator(".record", { hasText: "after the restart" }).waitFor({ timeout: 10_000 });
    // Chromium logs each refused reconnect attempt; nothing else may have gone wrong.
    expect(pageErrors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"))).toEqual([]);
  }, 60_000);
});
