// The produce -> shard -> acknowledgement path over the shard's channel (src/broker/shard-pool.ts), where it
// can fail: an fdatasync that fails must fail exactly the acks=all produces waiting on it, with a typed
// KAFKA_STORAGE_ERROR, never acknowledge them; acks=1 produces are not told (as in Kafka); once the disk
// recovers, acks=all is acknowledged again and everything acknowledged is there after a restart. And a
// shard worker that dies with tasks in flight fails them with a typed error instead of leaving them hanging.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RivuletError, StorageError } from "../../src/errors/index.js";
import { ShardPool } from "../../src/broker/shard-pool.js";
import type { ShardResults } from "../../src/shard/protocol.js";
import { batch, tempDataDirs } from "./helpers.js";

const env = tempDataDirs();

describe("acks=all over the shard channel", () => {
  it("a failing fdatasync fails the acks=all produces it covered with KAFKA_STORAGE_ERROR; acks after recovery survive a restart", async () => {
    const dataDir = env.dir();
    const flag = join(dataDir, "fail-fsync");
    const broker = await env.broker({ dataDir, shards: 1, shardFaults: { failSyncWhileExists: flag } });
    await broker.createTopic("acks", { configs: { "flush.messages": "1" } });
    await broker.createTopic("acks-default");
    const acked: Array<{ topic: string; offset: bigint; value: string }> = [];
    const ok = await broker.produce("acks", 0, batch(["before"]), { acks: "all" });
    acked.push({ topic: "acks", offset: ok.baseOffset, value: "before" });

    writeFileSync(flag, "");
    // Concurrent acks=all produces share fsync rounds: every one of them must get the error.
    const failing = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => broker.produce("acks", 0, batch([`lost-${i}`]), { acks: "all" })),
      // A topic without flush.messages: only the group commit fsyncs it.
      broker.produce("acks-default", 0, batch(["lost-default"]), { acks: "all" }),
    ]);
    for (const outcome of failing) {
      expect(outcome.status).toBe("rejected");
      const error = (outcome as PromiseRejectedResult).reason as StorageError;
      expect(error).toBeInstanceOf(StorageError);
      expect(error.code).toBe("KAFKA_STORAGE_ERROR");
      expect(error.kafkaCode).toBe(56);
      expect(error.retriable).toBe(true);
    }
    // acks=1 does not wait for an fsync, so it is acknowledged (a page-cache write), as Kafka does.
    const one = await broker.produce("acks-default", 0, batch(["acks-1"]), { acks: 1 });
    expect(one.baseOffset).toBe(1n);

    rmSync(flag);
    for (let i = 0; i < 5; i++) {
      const after = await broker.produce("acks", 0, batch([`after-${i}`]), { acks: "all" });
      acked.push({ topic: "acks", offset: after.baseOffset, value: `after-${i}` });
    }
    const other = await broker.produce("acks-default", 0, batch(["after-default"]), { acks: "all" });
    acked.push({ topic: "acks-default", offset: other.baseOffset, value: "after-default" });
    await broker.close();
    expect(existsSync(flag)).toBe(false);

    const reopened = await env.broker({ dataDir, shards: 1 });
    for (const { topic, offset, value } of acked) {
      const { records } = await reopened.fetch(topic, 0, offset, { maxBytes: 1 });
      const { decodeRecordBatch } = await import("../../src/core/index.js");
      const [first] = decodeRecordBatch(records).records;
      expect(Buffer.from(first!.value!).toString()).toBe(value);
    }
  });

  it("a shard worker that dies fails the tasks in flight with a typed error; its replacement answers", async () => {
    const dataDir = env.dir();
    const shard = new ShardPool(
      { shard: 0, dataDir, logLevel: "error", flushTickMs: 20, retentionCheckMs: 60_000, compactionCheckMs: 60_000 },
      { concurrency: 64, maxQueue: 1000 },
    );
    shard.on("error", () => {}); // piscina may report the terminated thread; the tasks' outcomes are the test
    const [opened] = await shard.run({ op: "open", partitions: [{ topic: "t", partition: 0, config: { flushMessages: 1 } }] });
    expect(opened).toHaveProperty("ok");
    const produce = () => shard.run({ op: "produce", items: [{ topic: "t", partition: 0, batch: batch(["x"]), acks: -1 }] });
    const first = await produce();
    expect(first[0]).toHaveProperty("ok");
    expect(shard.inFlight).toBe(0);

    const threads = (shard as unknown as { pool: { threads: Array<{ terminate(): Promise<number> }> } }).pool.threads;
    expect(threads).toHaveLength(1);
    // 20 tasks sent before the thread is stopped and 20 while it stops (sent, never to be answered).
    const inFlight: Array<Promise<ShardResults["produce"]>> = Array.from({ length: 20 }, produce);
    const stopping = threads[0]!.terminate();
    inFlight.push(...Array.from({ length: 20 }, produce));
    const outcomes = Promise.allSettled(inFlight); // handlers attached before the rejections come
    await stopping;
    const settled = await outcomes;
    // Some tasks may have been answered before the thread stopped; none may be left hanging.
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
    expect(rejected.length).toBeGreaterThan(0);
    for (const s of rejected) {
      expect(s.reason).toBeInstanceOf(RivuletError);
      expect((s.reason as RivuletError).code).toBe("NOT_LEADER_OR_FOLLOWER");
    }
    expect(shard.inFlight).toBe(0);
    // Piscina's replacement thread gets a channel: it answers, but hosts none of the old partitions. (A
    // task sent in the moment the old thread is being replaced may fail too: retry a few times.)
    let answered = false;
    for (let attempt = 0; attempt < 20 && !answered; attempt++) {
      answered = await shard.run({ op: "ping" }).then(
        () => true,
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
      );
    }
    expect(answered).toBe(true);
    const [after] = await produce();
    expect(after).toMatchObject({ error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    await shard.destroy();
    await expect(shard.run({ op: "ping" })).rejects.toMatchObject({ code: "NOT_LEADER_OR_FOLLOWER" });
  });

  it("refuses tasks beyond concurrency + maxQueue with a typed, retriable error", async () => {
    const dataDir = env.dir();
    const shard = new ShardPool(
      { shard: 0, dataDir, logLevel: "error", flushTickMs: 20, retentionCheckMs: 60_000, compactionCheckMs: 60_000 },
      { concurrency: 2, maxQueue: 3 },
    );
    await shard.run({ op: "open", partitions: [{ topic: "t", partition: 0, config: { flushMessages: 1 } }] });
    const produce = () => shard.run({ op: "produce", items: [{ topic: "t", partition: 0, batch: batch(["x"]), acks: -1 }] });
    const accepted = Array.from({ length: 5 }, produce);
    expect(shard.needsDrain).toBe(true);
    expect(shard.queueSize).toBe(3);
    await expect(produce()).rejects.toMatchObject({ code: "SHARD_QUEUE_FULL", retriable: true });
    const results = await Promise.all(accepted);
    expect(results.map((r) => ("ok" in r[0]! ? r[0].ok.baseOffset : -1n))).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(shard.needsDrain).toBe(false);
    await shard.destroy();
  });

  it("a task that cannot be sent fails at once and frees its slot", async () => {
    const shard = new ShardPool(
      { shard: 0, dataDir: env.dir(), logLevel: "error", flushTickMs: 20, retentionCheckMs: 60_000, compactionCheckMs: 60_000 },
      { concurrency: 1, maxQueue: 0 },
    );
    await shard.run({ op: "open", partitions: [{ topic: "t", partition: 0, config: {} }] });
    const bytes = batch(["x"]);
    // The same buffer listed twice cannot be transferred: postMessage throws before anything is sent.
    await expect(shard.run({ op: "produce", items: [{ topic: "t", partition: 0, batch: bytes, acks: 1 }] }, [bytes.buffer as ArrayBuffer, bytes.buffer as ArrayBuffer])).rejects.toThrow();
    expect(shard.inFlight).toBe(0);
    expect(shard.needsDrain).toBe(false);
    const [ok] = await shard.run({ op: "produce", items: [{ topic: "t", partition: 0, batch: batch(["y"]), acks: 1 }] });
    expect(ok).toMatchObject({ ok: { baseOffset: 0n } });
    await shard.destroy();
  });
});
