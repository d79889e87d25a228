// The partition size on disk (rivulet_partition_size_bytes on /metrics, and DESCRIBE_TOPIC's sizes) is the
// shards' own figure: it matches the segment files, survives a kill -9 and a restart unchanged (everything
// acknowledged with acks=all is on disk), and grows with appends after the restart. A real broker process.
// Needs `npm run build:ts` first.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const children = new Set<ChildProcess>();
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build:ts' first`);
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `rivulet serve` on a free port; resolves with its port once it listens. */
async function serve(dataDir: string, transport: string): Promise<{ child: ChildProcess; port: number; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [cli, "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "-1", "--shards", "2", "--transport", transport], { stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${log}`)), 30_000);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      log += d;
      const line = log.split("\n").find((l) => l.includes('"rivulet listening"'));
      if (line) (clearTimeout(timer), resolve(Number(/"bind":"[^"]*:(\d+)"/.exec(line)![1])));
    });
    child.once("exit", (code) => reject(new Error(`broker exited with ${code}: ${log}`)));
  });
  return { child, port, exited };
}

/** rivulet_partition_size_bytes per "topic/partition" from a scrape. */
async function scrapeSizes(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(text).toContain("# TYPE rivulet_partition_size_bytes gauge");
  const sizes = new Map<string, number>();
  for (const m of text.matchAll(/^rivulet_partition_size_bytes\{topic="([^"]+)",partition="(\d+)"\} (\d+)$/gm)) sizes.set(`${m[1]}/${m[2]}`, Number(m[3]));
  return sizes;
}

/** Bytes of the partition's segment files (.log) on disk. */
function onDisk(dataDir: string, topic: string, partition: number): number {
  const dir = join(dataDir, `${topic}-${partition}`);
  return readdirSync(dir).filter((f) => f.endsWith(".log")).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

describe("partition size on disk", () => {
  for (const transport of ["uws", "node"]) it(`${transport} transport: matches the segment files, is unchanged by kill -9 and a restart, and grows with appends`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rivulet-size-"));
    dirs.push(dataDir);
    let broker = await serve(dataDir, transport);
    let client = await connect({ url: `ws://127.0.0.1:${broker.port}/ws`, reconnect: false });
    await client.admin.createTopic("sized", { partitions: 2, configs: { "segment.bytes": String(1024 * 1024) } });
    const producer = client.producer({ acks: "all", lingerMs: 1 });
    const value = "x".repeat(10_000);
    await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send({ topic: "sized", partition: i % 3 === 0 ? 1 : 0, value })));

    const before = await scrapeSizes(broker.port);
    const p0 = before.get("sized/0")!;
    const p1 = before.get("sized/1")!;
    expect(p0).toBeGreaterThan(2_000_000); // more than one segment
    expect(p1).toBeGreaterThan(1_000_000);
    expect(readdirSync(join(dataDir, "sized-0")).filter((f) => f.endsWith(".log")).length).toBeGreaterThan(1);
    expect(p0).toBe(onDisk(dataDir, "sized", 0));
    expect(p1).toBe(onDisk(dataDir, "sized", 1));
    // The WebSocket description says the same, only when asked.
    const described = await client.admin.describeTopic("sized", { sizes: true });
    expect(described.partitions.map((p) => p.sizeBytes)).toEqual([p0, p1]);
    expect((await client.admin.describeTopic("sized")).partitions[0]).not.toHaveProperty("sizeBytes");
    client.close();

    broker.child.kill("SIGKILL");
    await broker.exited;
    broker = await serve(dataDir, transport);
    const after = await scrapeSizes(broker.port);
    expect(after.get("sized/0")).toBe(p0);
    expect(after.get("sized/1")).toBe(p1);

    // Appends after the restart count on top.
    client = await connect({ url: `ws://127.0.0.1:${broker.port}/ws`, reconnect: false });
    await client.producer({ acks: "all" }).send({ topic: "sized", partition: 1, value });
    const grown = (await scrapeSizes(broker.port)).get("sized/1")!;
    expect(grown).toBeGreaterThan(p1 + 10_000);
    expect(grown).toBe(onDisk(dataDir, "sized", 1));
    client.close();
    broker.child.kill("SIGTERM");
    await broker.exited;
  }, 90_000);
});
