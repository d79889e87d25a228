// A Vite application that imports `rivulet/client` (linked as node_modules/rivulet, as npm does for a local
// dependency) builds with Vite's production build, and the built page runs in Chromium: it connects over the
// browser's WebSocket, creates a topic, produces and reads back a record. Vite is the one vitest already
// depends on (node_modules/vite). Skipped only when /usr/bin/chromium is missing outside CI.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { wsServers } from "../helpers/ws-server.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM) || !!process.env.CI;
const root = fileURLToPath(new URL("../..", import.meta.url));
const env = wsServers();
const project = mkdtempSync(join(tmpdir(), "rivulet-vite-"));
const cleanups: Array<() => Promise<void> | void> = [() => rmSync(project, { recursive: true, force: true })];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const MAIN = `import { connect } from "rivulet/client";

const out = document.getElementById("out");
const broker = new URLSearchParams(location.search).get("broker");
try {
  const client = await connect({ url: broker });
  await client.admin.createTopic("vite-app", { partitions: 2, ifNotExists: true });
  const { partition, offset } = await client.producer({ acks: "all" }).send({ topic: "vite-app", key: "k", value: "built by vite" });
  const consumer = client.consumer({ topic: "vite-app", partitions: [partition], from: "earliest" });
  const record = await consumer.next();
  await consumer.close();
  client.close();
  out.textContent = "ok " + offset + " " + new TextDecoder().decode(record.value);
} catch (error) {
  out.textContent = "error " + error;
}
`;

function serveDir(dir: string): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, "http://x").pathname)).replace(/^\/+/, "") || "index.html";
    const file = join(dir, path);
    if (path.includes("..") || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

describe.skipIf(!available)("a Vite app importing rivulet/client", () => {
  it("builds with vite build and runs in Chromium against a broker", { timeout: 60_000 }, async () => {
    mkdirSync(join(project, "node_modules"));
    symlinkSync(root, join(project, "node_modules", "rivulet"), "dir");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "vite-app", private: true, type: "module" }));
    writeFileSync(join(project, "index.html"), '<!doctype html><html><body><pre id="out">loading</pre><script type="module" src="/main.js"></script></body></html>\n');
    writeFileSync(join(project, "main.js"), MAIN);
    const { build } = await import("vite");
    await build({ root: project, logLevel: "error", configFile: false, build: { outDir: join(project, "dist"), emptyOutDir: true } });
    const assets = readdirSync(join(project, "dist", "assets"));
    expect(assets.filter((a) => a.endsWith(".js")).length).toBeGreaterThanOrEqual(1);

    const srv = await env.start();
    const { server, origin } = await serveDir(join(project, "dist"));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { chromium } = await import("playwright-core");
    const userDataDir = mkdtempSync(join(tmpdir(), "rivulet-chromium-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timeout: 30_000,
    });
    cleanups.push(async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${origin}/?broker=${encodeURIComponent(srv.url)}`);
    await page.waitForFunction(() => document.getElementById("out")?.textContent !== "loading", undefined, { timeout: 20_000 });
    expect(await page.textContent("#out")).toBe("ok 0 built by vite");
    expect(errors).toEqual([]);
  });
});
