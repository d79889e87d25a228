import { describe, expect, it } from "vitest";
import { decodeRecordBatch, readBatchHeader } from "../../src/core/index.js";
import type { Broker } from "../../src/broker/index.js";
import { batch, tempDataDirs } from "./helpers.js";

const env = tempDataDirs();

/** Every record value in a partition, by offset, reading as a consumer does. */
async function consumeAll(broker: Broker, topic: string, partition: number): Promise<Map<bigint, string>> {
  const out = new Map<bigint, string>();
  let offset = 0n;
  for (;;) {
    const { records, highWatermark } = await broker.fetch(topic, partition, offset, { maxBytes: 256 * 1024 });
    if (records.length === 0) break;
    for (let position = 0; position < records.length; ) {
      const size = new DataView(records.buffer, records.byteOffset + position).getInt32(8) + 12;
      const decoded = decodeRecordBatch(records.subarray(position, position + size));
      for (const r of decoded.records) if (r.offset >= offset) out.set(r.offset, new TextDecoder().decode(r.value!));
      position += size;
      offset = decoded.baseOffset + BigInt(decoded.lastOffsetDelta) + 1n;
    }
    if (offset >= highWatermark) break;
  }
  return out;
}

describe("produce and fetch", () => {
  it("keeps every batch exactly once, in order, under many concurrent producers to one partition", async () => {
    const broker = await env.broker();
    await broker.createTopic("hot");
    const producers = 20;
    const perProducer = 25;
    await Promise.all(
      Array.from({ length: producers }, async (_, p) => {
        for (let i = 0; i < perProducer; i++) await broker.produce("hot", 0, batch([`p${p}-${i}-a`, `p${p}-${i}-b`]));
      }),
    );
    const values = await consumeAll(broker, "hot", 0);
    expect(values.size).toBe(producers * perProducer * 2);
    expect([...values.keys()]).toEqual(Array.from({ length: values.size }, (_, i) => BigInt(i)));
    for (let p = 0; p < producers; p++) {
      // Each producer's batches appear in the order it sent them, each exactly once.
      const mine = [...values.values()].filter((v) => v.startsWith(`p${p}-`));
      expect(mine).toEqual(Array.from({ length: perProducer }, (_, i) => [`p${p}-${i}-a`, `p${p}-${i}-b`]).flat());
    }
  });

  it("splits a many-partition request per shard and answers in request order, even when shards finish out of order", async () => {
    const broker = await env.broker();
    // Partition 0's topic fsyncs on every append (slow); the other topic never waits for the disk.
    await broker.createTopic("slow", { partitions: 2, configs: { "flush.messages": "1" } });
    await broker.createTopic("fast", { partitions: 6 });
    const items = [
      { topic: "slow", partition: 0, batch: batch(["s0"]) },
      ...Array.from({ length: 6 }, (_, p) => ({ topic: "fast", partition: p, batch: batch([`f${p}`, `f${p}`]) })),
      { topic: "slow", partition: 1, batch: batch(["s1", "s1", "s1"]) },
      { topic: "nope", partition: 0, batch: batch(["x"]) },
    ];
    const results = await broker.produceMany(items, { acks: "all" });
    expect(results.map((r) => r.ok?.lastOffset ?? r.error?.code)).toEqual([0n, 1n, 1n, 1n, 1n, 1n, 1n, 2n, "UNKNOWN_TOPIC_OR_PARTITION"]);
    const fetched = await broker.fetchMany(items.slice(0, 8).map((i) => ({ topic: i.topic, partition: i.partition, offset: 0n })));
    expect(fetched.map((f) => readBatchHeader(f.ok!.records).recordCount)).toEqual([1, 2, 2, 2, 2, 2, 2, 3]);
  });

  it("moves a batch to the shard without copying when the caller transfers it", async () => {
    const broker = await env.broker();
    await broker.createTopic("move");
    const owned = batch(["zero-copy"]);
    const kept = batch(["copied"]);
    await broker.produce("move", 0, owned, { transfer: true });
    await broker.produce("move", 0, kept);
    expect(owned.buffer.byteLength).toBe(0); // detached: it now belongs to the worker
    expect(kept.byteLength).toBeGreaterThan(0);
    expect([...(await consumeAll(broker, "move", 0)).values()]).toEqual(["zero-copy", "copied"]);
  });

  it("long-polls: a fetch at the log end wakes on an append and times out at maxWaitMs", async () => {
    const broker = await env.broker();
    await broker.createTopic("poll");
    let started = Date.now();
    const empty = await broker.fetch("poll", 0, 0n, { minBytes: 1, maxWaitMs: 150 });
    expect(empty.records.length).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    started = Date.now();
    const waiting = broker.fetch("poll", 0, 0n, { minBytes: 1, maxWaitMs: 10_000 });
    setTimeout(() => void broker.produce("poll", 0, batch(["wake"])), 50);
    const woken = await waiting;
    expect(woken.records.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // minBytes larger than one batch: waits for the second.
    const size = batch(["wake"]).length;
    const big = broker.fetch("poll", 0, 0n, { minBytes: size + 1, maxWaitMs: 10_000 });
    setTimeout(() => void broker.produce("poll", 0, batch(["more"])), 30);
    expect((await big).records.length).toBe(size * 2);
  });

  it("lists offsets: earliest, latest, by timestamp", async () => {
    const broker = await env.broker();
    await broker.createTopic("times");
    await broker.produce("times", 0, batch(["a", "b", "c"])); // timestamps 1_700_000_000_000 + 0..2
    expect(await broker.listOffsets("times", 0, "earliest")).toEqual({ offset: 0n, timestamp: -1n });
    expect(await broker.listOffsets("times", 0, "latest")).toEqual({ offset: 3n, timestamp: -1n });
    expect(await broker.listOffsets("times", 0, { timestamp: 1_700_000_000_001 })).toEqual({ offset: 1n, timestamp: 1_700_000_000_001n });
    expect(await broker.listOffsets("times", 0, { timestamp: 1_800_000_000_000 })).toEqual({ offset: -1n, timestamp: -1n });
    expect(await broker.listOffsets("times", 0, "max-timestamp")).toEqual({ offset: 2n, timestamp: 1_700_000_000_002n });
  });

  it("shares one read among subscribers at the same position", async () => {
    const broker = await env.broker();
    await broker.createTopic("fanout");
    await broker.produce("fanout", 0, batch(["x", "y"]));
    const reads = await Promise.all(Array.from({ length: 10 }, () => broker.readChunk("fanout", 0, 0n, 65536)));
    for (const r of reads) expect(r.records).toBe(reads[0]!.records);
    const later = await broker.readChunk("fanout", 0, 0n, 65536);
    expect(later.records).toBe(reads[0]!.records);
    const waited = broker.waitForData("fanout", 0, 2n);
    await broker.produce("fanout", 0, batch(["z"]));
    await waited;
    expect((await broker.readChunk("fanout", 0, 2n, 65536)).records.length).toBeGreaterThan(0);
  });
});
