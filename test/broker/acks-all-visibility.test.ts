// When readers see an acks=all append: as soon as it is written, as with acks=1 (a fetch returned it from
// then on already), while its producer is answered only once an fdatasync covers it. Readers parked at the
// log end used to be woken by the produce's answer, so a tailing consumer saw every acks=all record one
// fdatasync late (issue 14). The shard now announces the append before the fsync (AppendedNotice); these
// tests hold the fsync open (ShardFaults.holdSyncWhileExists) to see what happens meanwhile, through the
// real worker thread and its channel.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AppendWatch } from "../../src/broker/append-watch.js";
import { batchSizeAt, decodeRecordBatch, viewOf } from "../../src/core/index.js";
import { settlesWithin } from "../helpers/held-fsync.js";
import { batch, tempDataDirs } from "./helpers.js";

const env = tempDataDirs();

/** The values of every whole batch in a fetch's bytes. */
function values(records: Uint8Array): string[] {
  const out: string[] = [];
  const view = viewOf(records);
  for (let at = 0; at < records.byteLength; ) {
    const size = batchSizeAt(view, at);
    for (const r of decodeRecordBatch(records.subarray(at, at + size)).records) out.push(Buffer.from(r.value!).toString());
    at += size;
  }
  return out;
}

describe("acks=all appends and the readers parked at the log end", () => {
  it("a parked reader gets the record while its fsync runs; the producer is answered only after it", async () => {
    const dataDir = env.dir();
    const hold = join(dataDir, "hold-fsync");
    const broker = await env.broker({ dataDir, shards: 1, shardFaults: { holdSyncWhileExists: hold } });
    await broker.createTopic("t", { configs: { "flush.messages": "1" } });

    // A long-poll fetch and a streaming-style waiter, both parked at the log end before the append.
    const fetched = broker.fetch("t", 0, 0n, { maxWaitMs: 20_000, minBytes: 1 });
    let woken = 0;
    let taken: { records: Uint8Array; end: bigint } | undefined;
    broker.onceDataAfter("t", 0, 0n, () => {
      woken = performance.now();
      taken = broker.appendedAt("t", 0, 0n);
    });

    writeFileSync(hold, "");
    const produced = broker.produce("t", 0, batch(["first"]), { acks: "all" });
    const { records } = await fetched;
    expect(values(records)).toEqual(["first"]);
    expect(woken).toBeGreaterThan(0);
    // The shard sent the batch with its notice: the waiter served it without a read.
    expect(taken && values(taken.records)).toEqual(["first"]);
    expect(taken?.end).toBe(1n);
    // Durability is unchanged: no answer while the fdatasync has not returned.
    expect(await settlesWithin(produced, 200)).toBe(false);
    rmSync(hold);
    expect((await produced).baseOffset).toBe(0n);
    await broker.close();
  });

  it("a fetch whose read is in flight when the append is sent, and that then parks, gets the early wake too", async () => {
    const dataDir = env.dir();
    const hold = join(dataDir, "hold-fsync");
    const broker = await env.broker({ dataDir, shards: 1, shardFaults: { holdSyncWhileExists: hold } });
    await broker.createTopic("t", { configs: { "flush.messages": "1" } });
    const watch = (broker as unknown as { watch: AppendWatch }).watch;
    writeFileSync(hold, "");
    // Nobody is parked yet: the fetch's first read is on its way to the shard, ahead of the append. It comes
    // back empty and parks after the append was written, so only a notice can wake it before the fsync.
    const fetched = broker.fetch("t", 0, 0n, { maxWaitMs: 20_000, minBytes: 1 });
    expect(watch.hasReaders("t", 0)).toBe(true);
    const produced = broker.produce("t", 0, batch(["raced"]), { acks: "all" });
    expect(await settlesWithin(fetched, 2000)).toBe(true);
    expect(values((await fetched).records)).toEqual(["raced"]);
    expect(await settlesWithin(produced, 100)).toBe(false);
    rmSync(hold);
    await produced;
    await broker.close();
  });

  it("nobody reading: an acks=all append is not announced before its answer (one message less), and still counted once", async () => {
    const dataDir = env.dir();
    const broker = await env.broker({ dataDir, shards: 1 });
    await broker.createTopic("t", { configs: { "flush.messages": "1" } });
    const watch = (broker as unknown as { watch: AppendWatch }).watch;
    const notices: number[] = [];
    const announced = watch.announced.bind(watch);
    watch.announced = (list) => (notices.push(list.length), announced(list));
    expect(watch.hasReaders("t", 0)).toBe(false);
    await broker.produce("t", 0, batch(["alone"]), { acks: "all" });
    expect(notices).toEqual([]);
    // A reader parked at the end: the next append is announced.
    const waiting = broker.waitForData("t", 0, 1n);
    await broker.produce("t", 0, batch(["watched"]), { acks: "all" });
    await waiting;
    expect(notices).toEqual([1]);
    expect(broker.counters.get("t", 0)).toMatchObject({ producedRecords: 2 });
    expect(watch.endOffset("t", 0)).toBe(2n);
    await broker.close();
  });

  it("an append is counted once: a wait for two batches' bytes is not met by one batch announced and answered", async () => {
    const dataDir = env.dir();
    const hold = join(dataDir, "hold-fsync");
    const broker = await env.broker({ dataDir, shards: 1, shardFaults: { holdSyncWhileExists: hold } });
    await broker.createTopic("t", { configs: { "flush.messages": "1" } });
    const one = batch(["x".repeat(100)]);
    // The byte count long-polling fetches wait on (a fetch re-reads when woken, so it cannot tell).
    const watch = (broker as unknown as { watch: AppendWatch }).watch;
    const twoBatches = watch.waitForBytes([{ topic: "t", partition: 0 }], one.byteLength * 2 - 10, 20_000);

    writeFileSync(hold, "");
    const produced = broker.produce("t", 0, one, { acks: "all" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    rmSync(hold);
    await produced;
    // Counting the append again at its answer would make it look like two batches' worth of bytes.
    expect(await settlesWithin(twoBatches, 300)).toBe(false);
    await broker.produce("t", 0, batch(["y".repeat(100)]), { acks: "all" });
    expect(await settlesWithin(twoBatches, 1000)).toBe(true);
    // The /metrics counters count each append once too.
    expect(broker.counters.get("t", 0)).toMatchObject({ producedRecords: 2 });
    await broker.close();
  });

  it("acks=1 and retried duplicates are unchanged; a failed fsync still fails the producer", async () => {
    const dataDir = env.dir();
    const fail = join(dataDir, "fail-fsync");
    const broker = await env.broker({ dataDir, shards: 1, shardFaults: { failSyncWhileExists: fail } });
    await broker.createTopic("t", { configs: { "flush.messages": "1" } });

    const first = broker.fetch("t", 0, 0n, { maxWaitMs: 20_000, minBytes: 1 });
    await broker.produce("t", 0, batch(["one"]), { acks: 1 });
    expect(values((await first).records)).toEqual(["one"]);

    // The record is readable once written (as a fetch always showed it); the producer learns the fsync failed.
    writeFileSync(fail, "");
    const parked = broker.fetch("t", 0, 1n, { maxWaitMs: 20_000, minBytes: 1 });
    await expect(broker.produce("t", 0, batch(["unsynced"]), { acks: "all" })).rejects.toMatchObject({ code: "KAFKA_STORAGE_ERROR" });
    expect(await settlesWithin(parked, 1000)).toBe(true);
    expect(values((await parked).records)).toEqual(["unsynced"]);
    // The log took it (and keeps it): it counts as produced, as Kafka counts what its log appends.
    expect(broker.counters.get("t", 0)).toMatchObject({ producedRecords: 2 });
    rmSync(fail);
    await broker.close();
  });
});
