// Emptying a log in place (cluster mode: a partition moved off this broker, or a follower restarting at
// its leader's log start): every segment goes, the log restarts empty at the given offset, and a crash at
// any point of the deletion leaves a log that opens (intact, a contiguous tail of it, or empty), which a
// second reset empties.

import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/log.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { Partition } from "../../src/shard/partition.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { resetLog } from "../../src/storage/reset.js";
import { batchOf, DIR, newFs, openLog, readAll } from "./helpers.js";

const dataFiles = (fs: ReturnType<typeof newFs>) => fs.list(DIR).filter((n) => /\.(log|index|timeindex|txnindex)$/.test(n) || n === "producer.snapshot");

describe("resetLog", () => {
  it("deletes every segment and restarts empty at the log end; a reopen stays empty", async () => {
    const fs = newFs();
    const { log } = openLog(fs, { segmentBytes: 600 });
    for (let i = 0; i < 12; i++) log.append(batchOf(2));
    expect(log.segments.length).toBeGreaterThan(2);
    const size = log.sizeInBytes;
    expect(resetLog(log, log.logEndOffset)).toBe(size);
    expect(log.sizeInBytes).toBe(0);
    expect(log.logStartOffset).toBe(24n);
    expect(log.logEndOffset).toBe(24n);
    expect(log.segments.length).toBe(1);
    expect(dataFiles(fs).filter((n) => n.endsWith(".log"))).toEqual(["00000000000000000024.log"]);
    expect(fs.bytes(`${DIR}/00000000000000000024.log`).byteLength).toBe(0);
    await log.close();
    const again = PartitionLog.open({ dir: DIR, fs, logger: memoryLogger() });
    expect([again.logStartOffset, again.logEndOffset, again.sizeInBytes]).toEqual([24n, 24n, 0]);
    expect(again.append(batchOf(1)).baseOffset).toBe(24n);
  });

  it("an empty log restarts at any offset (a follower joining at its leader's log start), below or above", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    for (let i = 0; i < 3; i++) log.append(batchOf(2));
    resetLog(log, 6n);
    resetLog(log, 0n);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([0n, 0n]);
    resetLog(log, 40n);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([40n, 40n]);
    expect(log.append(batchOf(2)).baseOffset).toBe(40n);
    expect(readAll(log).map((r) => r.offset)).toEqual([40n, 41n]);
  });

  it("refuses to move a log holding records back below its end", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    log.append(batchOf(2));
    expect(() => resetLog(log, 1n)).toThrow(/cannot reset/);
    expect(log.logEndOffset).toBe(2n);
    expect(readAll(log)).toHaveLength(2);
  });

  it("a crash (kill -9) at any unlink of the deletion leaves a log that opens; a second reset empties it", () => {
    const probe = newFs();
    const { log: p } = openLog(probe, { segmentBytes: 600 });
    for (let i = 0; i < 12; i++) p.append(batchOf(2));
    const files = dataFiles(probe).length;
    for (let k = 0; k < files; k++) {
      const fs = newFs();
      const { log } = openLog(fs, { segmentBytes: 600 });
      for (let i = 0; i < 12; i++) log.append(batchOf(2));
      const name = dataFiles(fs).sort()[k]!;
      fs.failNext("unlink", "EIO", name);
      expect(() => resetLog(log, log.logEndOffset)).toThrow(/EIO/);
      log.abandon(); // the process dies here: every completed unlink stays done
      const again = PartitionLog.open({ dir: DIR, fs, config: { segmentBytes: 600 }, logger: memoryLogger() });
      const offsets = readAll(again).map((r) => r.offset);
      // Whatever is left is a contiguous run ending at the old log end (nothing reordered or invented).
      expect(again.logEndOffset).toBe(24n);
      if (offsets.length) expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => BigInt(24 - offsets.length + i)));
      resetLog(again, again.logEndOffset);
      expect([again.logStartOffset, again.logEndOffset, again.sizeInBytes]).toEqual([24n, 24n, 0]);
      again.abandon();
    }
  });

  it("Partition.resetTo: a kill -9 midway leaves a partition that opens (logically empty); the next reset removes the rest", async () => {
    const fs = newFs();
    const dir = "/data/p-0";
    const part = Partition.open("t", 0, dir, { segmentBytes: 600 }, fs, memoryLogger());
    for (let i = 0; i < 10; i++) {
      const records = [{ key: "k", value: `v${i}-${"x".repeat(100)}`, timestamp: 1_700_000_000_000 + i }];
      part.produce(encodeRecordBatch(records, { producerId: 9n, producerEpoch: 0, baseSequence: i }), 1);
    }
    part.snapshotProducers();
    expect(part.log.segments.length).toBeGreaterThan(2);
    const second = fs.list(dir).filter((n) => n.endsWith(".log")).sort()[1]!;
    fs.failNext("unlink", "EIO", second);
    expect(() => part.resetTo(part.log.logEndOffset)).toThrow(/EIO/);
    part.log.abandon();
    const again = Partition.open("t", 0, dir, { segmentBytes: 600 }, fs, memoryLogger());
    expect(again.status().logEndOffset).toBe(10n);
    // The new log start was checkpointed before any file went: the partition opens logically empty, with
    // nothing left below its start to replay producers from; the leftover files go with the next reset.
    expect(again.status().logStartOffset).toBe(10n);
    expect(again.status().sizeBytes).toBeGreaterThan(0);
    expect(again.describeProducers()).toEqual([]);
    const status = again.resetTo(again.log.logEndOffset);
    expect([status.logStartOffset, status.logEndOffset, status.sizeBytes]).toEqual([10n, 10n, 0]);
    expect(again.describeProducers()).toEqual([]);
    await again.close();
    const reopened = Partition.open("t", 0, dir, { segmentBytes: 600 }, fs, memoryLogger());
    expect([reopened.status().logEndOffset, reopened.status().sizeBytes, reopened.describeProducers().length]).toEqual([10n, 0, 0]);
  });
});
