// The browser client in a real browser: Debian's Chromium (driven by playwright-core, no downloaded
// browser) loads a page from its own origin, imports the client as ES modules from the broker's /client/
// (cross-origin, so CORS must allow it), and over the browser's native WebSocket creates a topic, produces
// keyed records and consumes them (each batch CRC-checked by the WASM core in the page).
//
// Skipped only when /usr/bin/chromium is missing outside CI; in CI (CI set) it must run.
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumAvailable as available, launchChromium, type ChromiumTab } from "../helpers/chromium.js";
import { take } from "../helpers/consume.js";
import { text, wsServers, type TestServer } from "../helpers/ws-server.js";

const require = createRequire(import.meta.url);
const { Partitioners } = require("kafkajs") as { Partitioners: { DefaultPartitioner: () => (args: unknown) => number } };

const env = wsServers();
let srv: TestServer;
let pageServer: Server;
let pageOrigin: string;
let browser: ChromiumTab | undefined;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  if (!available) return;
  srv = await env.start();
  // The application's page, on an origin of its own (another port): importing the client is cross-origin.
  pageServer = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end("<!doctype html><html><head><title>rivulet browser test</title></head><body><pre id=out></pre></body></html>");
  });
  await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as { port: number }).port}`;

  browser = await launchChromium({ profilePrefix: "rivulet-chromium-" });
  page = browser.page;
  pageErrors = browser.pageErrors;
  page.on("requestfailed", (request) => pageErrors.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ""}`));
  await page.goto(pageOrigin);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
});

interface PageRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

describe.skipIf(!available)("the browser client in Chromium", () => {
  it("serves /client/ as CORS-enabled ES modules to allowed (here: loopback) origins only", async () => {
    const response = await fetch(`http://127.0.0.1:${srv.port}/client/index.js`, { headers: { Origin: pageOrigin } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("access-control-allow-origin")).toBe(pageOrigin);
    const foreign = await fetch(`http://127.0.0.1:${srv.port}/client/index.js`, { headers: { Origin: "https://evil.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("creates a topic, produces keyed records and consumes them in order, from a page on another origin", async () => {
    const partitions = 4;
    const count = 200;
    // A module script of the page imports the client (written as a string: the test's own code is
    // transformed by vitest, the page's must stay a plain browser import).
    const clientUrl = `http://127.0.0.1:${srv.port}/client/index.js`;
    await page.addScriptTag({ type: "module", content: `import * as rivulet from ${JSON.stringify(clientUrl)}; window.rivulet = rivulet;` });
    await page.waitForFunction(() => "rivulet" in window, undefined, { timeout: 10_000 }).catch((error: Error) => {
      throw new Error(`the client did not load in the page: ${error.message}; page errors: ${pageErrors.join(" | ")}`);
    });
    // An uncaught error in the page (a Node-only global used by the client, ...) fails the test at once.
    let onPageError: (error: Error) => void = () => {};
    const pageFailed = new Promise<never>((_, reject) => (onPageError = (error) => reject(new Error(`uncaught error in the page: ${error.message}`))));
    page.on("pageerror", onPageError);
    const evaluated = page.evaluate(
      async ({ wsUrl, partitions, count }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const m = (window as any).rivulet;
        const client = await m.connect({ url: wsUrl });
        await client.admin.createTopic("browser-topic", { partitions });
        // Two producers: a linger timer, and zero linger (no setImmediate in a browser).
        const producers = [client.producer({ lingerMs: 2 }), client.producer({ lingerMs: 0 })];
        const sent = [];
        for (let i = 0; i < count; i++) {
          sent.push(producers[i % 2].send({ topic: "browser-topic", key: `user-${i % 13}`, value: `event-${i} ü😀`, headers: [{ key: "i", value: String(i) }] }));
        }
        const metas = await Promise.all(sent);
        const consumer = client.consumer({ topic: "browser-topic", from: "earliest" });
        const records = [];
        const decoder = new TextDecoder();
        while (records.length < count) {
          const r = await consumer.next();
          records.push({
            partition: r.partition,
            offset: String(r.offset),
            key: r.key === null ? null : decoder.decode(r.key),
            value: r.value === null ? null : decoder.decode(r.value),
            headers: r.headers.map((h: { key: string; value: Uint8Array | null }) => [h.key, h.value === null ? null : decoder.decode(h.value)]),
          });
        }
        const positions = Object.fromEntries([...consumer.positions()].map(([p, o]: [number, bigint]) => [p, String(o)]));
        await consumer.close();

        // The same records as row views (rows(): tables decoded into the consumer's own store).
        const rowsConsumer = client.consumer({ topic: "browser-topic", from: "earliest" });
        const rowRecords = [];
        for await (const rows of rowsConsumer.rows()) {
          for (let i = 0; i < rows.count; i++) {
            const key = rows.key(i);
            const value = rows.value(i);
            rowRecords.push({
              partition: rows.partition,
              offset: String(rows.offset(i)),
              key: key === null ? null : decoder.decode(key),
              value: value === null ? null : decoder.decode(value),
              headers: rows.headers(i).map((h: { key: string; value: Uint8Array | null }) => [h.key, h.value === null ? null : decoder.decode(h.value)]),
            });
          }
          if (rowRecords.length >= count) break;
        }
        await rowsConsumer.close();

        // The page's WASM core checks CRCs: a batch with one flipped bit is refused, not decoded.
        const batch = m.encodeRecordBatch([{ key: "k", value: "v" }]);
        const intact = m.decodeRecordBatch(batch).records.length;
        batch[batch.length - 1] ^= 1;
        let corrupt = "accepted";
        try {
          m.decodeRecordBatch(batch);
        } catch (error) {
          corrupt = (error as { code?: string }).code ?? String(error);
        }
        client.close();
        return {
          native: typeof WebSocket === "function",
          metas: metas.map((x: { partition: number; offset: bigint }) => ({ partition: x.partition, offset: String(x.offset) })),
          records,
          rowRecords,
          positions,
          intact,
          corrupt,
          crcOfCheck: (m.crc32c(new TextEncoder().encode("123456789")) >>> 0).toString(16),
        };
      },
      { wsUrl: srv.url, partitions, count },
    );
    evaluated.catch(() => {}); // when the page failed first, this rejects as the browser closes
    const result = await Promise.race([evaluated, pageFailed]).finally(() => page.off("pageerror", onPageError));
    expect(pageErrors).toEqual([]);
    expect(result.native).toBe(true);
    expect(result.crcOfCheck).toBe("e3069283"); // CRC-32C check value, computed by the WASM core in the page
    expect(result.intact).toBe(1);
    expect(result.corrupt).toBe("CORRUPT_MESSAGE");
    // rows() in the page hands out the same records (per partition, in order; partitions may interleave differently).
    const byPartition = (rs: Array<{ partition: number; offset: string }>) => [...rs].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    expect(byPartition(result.rowRecords)).toEqual(byPartition(result.records));

    // Keys were routed as Kafka's (kafkajs's) default partitioner does.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
    const expected = (key: string) => partitioner({ topic: "browser-topic", partitionMetadata, message: { key: Buffer.from(key) } });
    result.metas.forEach((meta, i) => expect(meta.partition).toBe(expected(`user-${i % 13}`)));

    // Everything came back once, with its key, value and headers, in offset order per partition, and each
    // record at the offset its send() reported.
    const records = result.records as PageRecord[];
    expect(records).toHaveLength(count);
    const byIndex = new Map(records.map((r) => [Number(r.headers[0]![1]), r]));
    expect(byIndex.size).toBe(count);
    for (let i = 0; i < count; i++) {
      const r = byIndex.get(i)!;
      expect(r).toEqual({ partition: result.metas[i]!.partition, offset: result.metas[i]!.offset, key: `user-${i % 13}`, value: `event-${i} ü😀`, headers: [["i", String(i)]] });
    }
    const last = new Map<number, bigint>();
    for (const r of records) {
      expect(BigInt(r.offset)).toBe((last.get(r.partition) ?? -1n) + 1n);
      last.set(r.partition, BigInt(r.offset));
    }
    for (const [p, o] of last) expect(result.positions[p]).toBe(String(o + 1n));

    // And a Node client reads the same bytes the browser wrote.
    const node = await env.client(srv.url);
    const consumer = node.consumer({ topic: "browser-topic", from: "earliest" });
    const fromNode = await take(consumer, count);
    await consumer.close();
    expect(fromNode.map((r) => [r.partition, String(r.offset), text(r.key), text(r.value)]).sort()).toEqual(records.map((r) => [r.partition, r.offset, r.key, r.value]).sort());
  }, 60_000);
});
