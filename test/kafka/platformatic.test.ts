// @platformatic/kafka 1.x (a pure-JS client written for Kafka 3.5-4.1: it speaks only flexible versions,
// Metadata v12, Fetch v17, FindCoordinator v6, ...) against a broker child process (`rivulet serve`, from
// dist/: run `npm run build:ts` first). The client talks through a recording TCP proxy in this process:
// the broker advertises the proxy's port, so every connection the client opens passes through it and
// the test can pin the API versions used. With RIVULET_CAPTURE=1 the first request frame of each
// API/version is written to test/fixtures/kafka/platformatic/ (golden.test.ts checks them).

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey, FrameDecoder, decodeRequestHeader } from "../../src/protocol/kafka/index.js";
import { FIXTURES_DIR } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const snake = new Map(Object.entries(ApiKey).map(([name, key]) => [key as number, name.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase())]));

/** API name → versions the client used, and the first frame of each. */
const seen = new Map<string, Uint8Array>();
let proxy: Server;
let broker: ChildProcess;
let brokers: string[];
let dataDir: string;

function record(frame: Uint8Array): void {
  const { header } = decodeRequestHeader(frame);
  const name = `${snake.get(header.apiKey) ?? `key${header.apiKey}`}_request_v${header.apiVersion}_000`;
  if (seen.has(name)) return;
  const whole = new Uint8Array(4 + frame.length);
  new DataView(whole.buffer).setInt32(0, frame.length);
  whole.set(frame, 4);
  seen.set(name, whole);
}

async function startBroker(proxyPort: number): Promise<number> {
  dataDir = mkdtempSync(join(tmpdir(), "rivulet-platformatic-"));
  const args = ["serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "0", "--advertised-host", "127.0.0.1"];
  broker = spawn(process.execPath, [cli, ...args, "--advertised-port", String(proxyPort), "--shards", "1"], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  broker.stderr!.setEncoding("utf8");
  return new Promise<number>((resolve, reject) => {
    broker.stderr!.on("data", (d: string) => {
      stderr += d;
      const line = stderr.split("\n").find((l) => l.includes('"rivulet listening"'));
      if (line) resolve(Number(JSON.parse(line).kafkaPort));
    });
    broker.on("exit", (code) => reject(new Error(`rivulet serve exited with ${code}: ${stderr}`)));
  });
}

beforeAll(async () => {
  let kafkaPort = 0;
  proxy = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: kafkaPort });
    const frames = new FrameDecoder();
    client.on("data", (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) record(frame);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const proxyPort = (proxy.address() as { port: number }).port;
  kafkaPort = await startBroker(proxyPort);
  brokers = [`127.0.0.1:${proxyPort}`];
}, 30_000);

afterAll(async () => {
  if (broker?.pid !== undefined && broker.exitCode === null) {
    const exited = new Promise((resolve) => broker.once("exit", resolve));
    process.kill(broker.pid, "SIGTERM");
    await exited;
  }
  proxy?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (process.env.RIVULET_CAPTURE === "1") {
    const dir = join(FIXTURES_DIR, "platformatic");
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of seen) {
      const file = join(dir, `${name}.hex`);
      if (existsSync(file)) continue;
      writeFileSync(file, Buffer.from(bytes).toString("hex").replace(/(.{64})/g, "$1\n").trim() + "\n");
    }
  }
});

const used = (api: string) => [...seen.keys()].filter((k) => k.startsWith(`${api}_request_v`)).map((k) => Number(/_v(\d+)_/.exec(k)![1]));

describe("@platformatic/kafka 1.x", () => {
  it("creates a topic, produces keyed records and reads them back with a consumer group that commits", async () => {
    const admin = new Admin({ clientId: "plat-admin", bootstrapBrokers: brokers });
    const producer = new Producer({ clientId: "plat-producer", bootstrapBrokers: brokers, serializers: stringSerializers });
    const consumer = new Consumer({ groupId: "plat-group", clientId: "plat-consumer", bootstrapBrokers: brokers, deserializers: stringDeserializers, maxWaitTime: 200 });
    try {
      const [created] = await admin.createTopics({ topics: ["plat-orders"], partitions: 3, replicas: 1 });
      expect(created).toMatchObject({ name: "plat-orders", partitions: 3, replicas: 1 });
      expect(created!.id).toMatch(/^[0-9a-f-]{36}$/);
      // The topic id from CreateTopics v7 is the one Metadata v10+ reports.
      const meta = await admin.metadata({ topics: ["plat-orders"] });
      expect(meta.topics.get("plat-orders")).toMatchObject({ id: created!.id, partitionsCount: 3 });

      const messages = Array.from({ length: 30 }, (_, i) => ({ topic: "plat-orders", key: `k${i % 5}`, value: `v${i}` }));
      const sent = await producer.send({ messages });
      expect(sent.offsets?.reduce((n, o) => n + Number(o.offset), 0)).toBeGreaterThanOrEqual(0);

      const stream = await consumer.consume({ autocommit: false, topics: ["plat-orders"], mode: "earliest", sessionTimeout: 10_000, heartbeatInterval: 500 });
      const got: string[] = [];
      const byKey = new Map<string, Set<number>>();
      for await (const m of stream) {
        got.push(m.value);
        await m.commit();
        byKey.set(m.key, (byKey.get(m.key) ?? new Set()).add(m.partition));
        if (got.length === 30) break;
      }
      expect(got.sort()).toEqual(messages.map((m) => m.value).sort());
      // One key, one partition: the producer's murmur2 placement holds.
      for (const partitions of byKey.values()) expect(partitions.size).toBe(1);
      await stream.close();

      const groups = await admin.listGroups();
      expect(groups.get("plat-group")).toMatchObject({ id: "plat-group", protocolType: "consumer" });
      const described = await admin.describeGroups({ groups: ["plat-group"] });
      expect(described.get("plat-group")).toBeDefined();
      const committed = await admin.listConsumerGroupOffsets({ groups: ["plat-group"] });
      const total = committed[0]!.topics.flatMap((t) => t.partitions).reduce((n, p) => n + Number(p.committedOffset), 0);
      expect(total).toBe(30);
    } finally {
      await Promise.resolve(consumer.close(true)).catch(() => {});
      await producer.close().catch(() => {});
      await admin.close().catch(() => {});
    }
    // Flexible versions all the way: the client has nothing older.
    expect(Math.max(...used("metadata"))).toBeGreaterThanOrEqual(12);
    expect(Math.max(...used("fetch"))).toBeGreaterThanOrEqual(13);
    expect(Math.max(...used("find_coordinator"))).toBeGreaterThanOrEqual(4);
    expect(used("offset_fetch").some((v) => v >= 8)).toBe(true);
  }, 60_000);

  it("lists offsets and deletes topics; an unknown topic is an error, not a hang", async () => {
    const admin = new Admin({ clientId: "plat-admin-2", bootstrapBrokers: brokers });
    try {
      await admin.createTopics({ topics: ["plat-doomed"], partitions: 1, replicas: 1 });
      const offsets = await admin.listOffsets({ topics: [{ name: "plat-doomed", partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
      expect(offsets[0]).toMatchObject({ name: "plat-doomed" });
      await admin.deleteTopics({ topics: ["plat-doomed"] });
      const topics = await admin.listTopics();
      expect(topics).not.toContain("plat-doomed");
      await expect(admin.createTopics({ topics: ["plat-bad"], partitions: 1, replicas: 3 })).rejects.toThrow();
      await expect(admin.deleteTopics({ topics: ["plat-never-existed"] })).rejects.toThrow();
    } finally {
      await admin.close().catch(() => {});
    }
  }, 30_000);
});
