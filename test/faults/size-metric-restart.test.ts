// The partition size on disk (rivulet_partition_size_bytes on /metrics, and DESCRIBE_TOPIC's sizes) is the
// shards' own figure: it matches the segment files, survives a kill -9 and a restart unchanged (everything
// acknowledged with acks=all is on disk), and grows with appends after the restart. A real broker process.
// Needs `npm run build:ts` first.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { cliProcesses } from "../helpers/cli-processes.js";

const { tempDir, serve: serveCli } = cliProcesses();

/** `rivulet serve` on a free port with two shards and the given WebSocket transport. */
const serve = (dataDir: string, transport: string) => serveCli(dataDir, 0, ["--shards", "2", "--transport", transport]);

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
    const dataDir = tempDir("rivulet-size-");
    let broker = await serve(dataDir, transport);
    let client = await connect({ url: broker.url, reconnect: false });
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

    await broker.stop("SIGKILL");
    broker = await serve(dataDir, transport);
    const after = await scrapeSizes(broker.port);
    expect(after.get("sized/0")).toBe(p0);
    expect(after.get("sized/1")).toBe(p1);

    // Appends after the restart count on top.
    client = await connect({ url: broker.url, reconnect: false });
    await client.producer({ acks: "all" }).send({ topic: "sized", partition: 1, value });
    const grown = (await scrapeSizes(broker.port)).get("sized/1")!;
    expect(grown).toBeGreaterThan(p1 + 10_000);
    expect(grown).toBe(onDisk(dataDir, "sized", 1));
    client.close();
    await broker.stop("SIGTERM");
  }, 90_000);
});
