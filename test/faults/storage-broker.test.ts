// The storage faults of issue 11 through a real broker and real Kafka clients (kcat = librdkafka, kafkajs):
// - item 1: 20,000 records, a graceful stop, the active .log cut 20,000 bytes into its last batch, a
//   restart: the partition ends at the last whole batch (not 0..0), librdkafka reads every surviving record
//   without "invalid MessageSetSize", and new records continue at the right offsets;
// - item 3: a flipped byte in an old segment with an unusable checkpoint: nothing is deleted, the damaged
//   batch is refused with CORRUPT_MESSAGE (Kafka code 2), and the records after it are readable.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { kafkaServers, run, type KafkaTestServer } from "../kafka/helpers.js";
import { cutFile, segmentPath } from "./storage-helpers.js";

const servers = kafkaServers();

beforeAll(async () => {
  const version = await run("kcat", ["-V"]);
  expect(version.code, `kcat must be installed: ${version.stderr}`).toBe(0);
});

const kcat = (s: KafkaTestServer, args: string[], input?: string) => run("kcat", ["-b", s.bootstrap, ...args], { input, timeoutMs: 30_000 });

/** Batch start positions in a .log file, by header walk. */
function batchStarts(path: string): number[] {
  const bytes = readFileSync(path);
  const starts: number[] = [];
  for (let position = 0; position + 12 <= bytes.length; position += bytes.readInt32BE(position + 8) + 12) starts.push(position);
  return starts;
}

function records(first: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({ key: `k${first + i}`, value: `v${first + i}-${"x".repeat(80)}`, timestamp: Date.now() }));
}

describe("storage faults through the broker and real clients", () => {
  it("a torn tail after a graceful stop (issue 11 item 1, the reported scenario)", async () => {
    const s = await servers.start();
    await s.server.broker.createTopic("torn", { partitions: 1 });
    for (let b = 0; b < 20; b++) await s.server.broker.produce("torn", 0, encodeRecordBatch(records(b * 1000, 1000)), { acks: "all" });
    await s.stop();
    const log = segmentPath(join(s.dataDir, "torn-0"), 0);
    const starts = batchStarts(log);
    expect(starts).toHaveLength(20);
    cutFile(log, starts[19]! + 20_000);

    await s.restart();
    const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "torn", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets("torn"))[0]).toMatchObject({ low: "0", high: "19000" });
    await admin.disconnect();

    const read = await kcat(s, ["-C", "-t", "torn", "-p", "0", "-o", "beginning", "-e", "-f", "%o %s\\n"]);
    expect(read.stderr).not.toMatch(/MessageSetSize/);
    const lines = read.stdout.trim().split("\n");
    expect(lines).toHaveLength(19_000);
    expect(lines[18_999]).toMatch(/^18999 v18999-/);

    // New records continue at the last whole batch's end, and reads there return them, not old bytes.
    const produced = await kcat(s, ["-P", "-t", "torn", "-p", "0", "-K:", "-X", "acks=all"], Array.from({ length: 50 }, (_, i) => `n${i}:new-${i}`).join("\n") + "\n");
    expect(produced.code, produced.stderr).toBe(0);
    const tail = await kcat(s, ["-C", "-t", "torn", "-p", "0", "-o", "18998", "-e", "-f", "%o %s\\n"]);
    const tailLines = tail.stdout.trim().split("\n");
    expect(tailLines[0]).toMatch(/^18998 v18998-/);
    expect(tailLines[2]).toBe("19000 new-0");
    expect(tailLines).toHaveLength(52);
  }, 90_000);

  it("a flipped byte in an old segment with a garbage checkpoint: CORRUPT_MESSAGE for that batch, the rest readable, nothing deleted", async () => {
    const s = await servers.start();
    // 1 MiB segments (Kafka's minimum in recent versions): 30 batches of ~100 KB make three of them.
    await s.server.broker.createTopic("dmg", { partitions: 1, configs: { "segment.bytes": String(1 << 20) } });
    for (let b = 0; b < 30; b++) await s.server.broker.produce("dmg", 0, encodeRecordBatch(records(b * 1000, 1000)), { acks: "all" });
    await s.stop();
    const dir = join(s.dataDir, "dmg-0");
    writeFileSync(join(dir, "partition.checkpoint"), "{\"version\":1}");
    const first = segmentPath(dir, 0);
    const starts = batchStarts(first);
    const bytes = readFileSync(first);
    const victim = starts[3]! + 100; // inside the records of offsets 3000..3999
    bytes[victim] = bytes[victim]! ^ 0xff;
    writeFileSync(first, bytes);

    await s.restart();
    const broker = s.server.broker;
    expect(readdirSync(dir).filter((n) => n.endsWith(".log")).length).toBeGreaterThanOrEqual(3);
    expect(broker.logEndOffset("dmg", 0)).toBe(30_000n);
    await expect(broker.fetch("dmg", 0, 3500n)).rejects.toMatchObject({ code: "CORRUPT_MESSAGE", kafkaCode: 2 });
    // A read that starts before the damage gets the batches before it, and stops there.
    const before = await broker.fetch("dmg", 0, 2000n, { maxBytes: 8 << 20 });
    expect(before.records.length).toBeGreaterThan(0);
    expect(new DataView(before.records.buffer, before.records.byteOffset).getBigInt64(0)).toBe(2000n);
    // librdkafka reads everything after the damage, including the later segments.
    const after = await kcat(s, ["-C", "-t", "dmg", "-p", "0", "-o", "4000", "-e", "-f", "%o\\n"]);
    const offsets = after.stdout.trim().split("\n").map(Number);
    expect(offsets[0]).toBe(4000);
    expect(offsets).toHaveLength(26_000);
    expect(readdirSync(dir).filter((n) => n.endsWith(".log")).length).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
