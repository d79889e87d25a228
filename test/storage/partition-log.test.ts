import { describe, expect, it } from "vitest";
import { OffsetOutOfRangeError, StorageError, validateRecordBatch } from "../../src/core/index.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { batchOf, DIR, newFs, openLog, readAll } from "./helpers.js";

describe("PartitionLog append and read", () => {
  it("assigns contiguous offsets and reads back whole, unchanged batches", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    const a = log.append(batchOf(3));
    const b = log.append(batchOf(5));
    expect([a.baseOffset, a.lastOffset, b.baseOffset, b.lastOffset]).toEqual([0n, 2n, 3n, 7n]);
    expect(a.logAppendTime).toBe(-1);
    expect(log.logEndOffset).toBe(8n);
    const { records, highWatermark, logStartOffset } = log.read(4n, 1 << 20);
    expect(highWatermark).toBe(8n);
    expect(logStartOffset).toBe(0n);
    // The batch holding offset 4 starts at 3: a fetch may return earlier offsets, as Kafka's does.
    const header = validateRecordBatch(records, { strict: false });
    expect(header.baseOffset).toBe(3n);
    expect(records.length).toBe(batchOf(5).length);
    expect(readAll(log).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
  });

  it("stamps base offset and leader epoch without breaking the CRC", () => {
    const { log } = openLog(newFs());
    log.append(batchOf(2));
    const batch = batchOf(2);
    log.append(batch, 7);
    const stored = log.read(2n, 1000).records;
    const header = validateRecordBatch(stored);
    expect(header.baseOffset).toBe(2n);
    expect(header.partitionLeaderEpoch).toBe(7);
  });

  it("respects maxBytes but always returns at least one whole batch", () => {
    const { log } = openLog(newFs());
    const size = batchOf(10).length;
    for (let i = 0; i < 10; i++) log.append(batchOf(10));
    expect(log.read(0n, 1).records.length).toBe(size);
    expect(log.read(0n, size * 3 + 5).records.length).toBe(size * 3);
    expect(log.read(95n, 1 << 20).records.length).toBe(size);
  });

  it("returns nothing at the log end and OFFSET_OUT_OF_RANGE outside [logStart, logEnd]", () => {
    const { log } = openLog(newFs());
    log.append(batchOf(2));
    expect(log.read(2n, 100).records.length).toBe(0);
    expect(() => log.read(3n, 100)).toThrow(OffsetOutOfRangeError);
    expect(() => log.read(-1n, 100)).toThrow(OffsetOutOfRangeError);
    try {
      log.read(3n, 100);
    } catch (error) {
      expect((error as OffsetOutOfRangeError).kafkaCode).toBe(1);
    }
  });

  it("rolls segments at segment.bytes, names them by 20-digit base offset, and reads across them", () => {
    const fs = newFs();
    const one = batchOf(10).length;
    const { log } = openLog(fs, { segmentBytes: one * 3 });
    for (let i = 0; i < 10; i++) log.append(batchOf(10));
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0n, 30n, 60n, 90n]);
    const names = fs.list(DIR).filter((n) => n.endsWith(".log"));
    expect(names).toEqual([
      "00000000000000000000.log",
      "00000000000000000030.log",
      "00000000000000000060.log",
      "00000000000000000090.log",
    ]);
    expect(readAll(log, 0n, 100).map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    // A read never spans segments.
    expect(log.read(25n, 1 << 20).records.length).toBe(one);
  });

  it("rolls at segment.ms measured, as Kafka does, between the first and the incoming batch timestamps", () => {
    const fs = newFs();
    const { log, clock } = openLog(fs, { segmentMs: 1000 });
    clock.now = 1_700_000_000_000;
    log.append(batchOf(1, { timestamp: clock.now }));
    clock.now += 999;
    log.append(batchOf(1, { timestamp: clock.now }));
    expect(log.segments.length).toBe(1);
    clock.now += 2;
    log.append(batchOf(1, { timestamp: clock.now }));
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0n, 2n]);
  });

  it("does not roll on every append when records carry old timestamps (replayed data)", () => {
    const fs = newFs();
    const { log, clock } = openLog(fs, { segmentMs: 1000 });
    clock.now = 1_700_000_000_000;
    for (let i = 0; i < 5; i++) log.append(batchOf(2, { timestamp: 1_600_000_000_000 + i }));
    expect(log.segments.length).toBe(1);
  });

  it("writes a sparse offset index (Kafka format) about every index.interval.bytes", () => {
    const fs = newFs();
    const { log } = openLog(fs, { indexIntervalBytes: 4096 });
    const size = batchOf(10).length; // ~1.2 KB
    for (let i = 0; i < 40; i++) log.append(batchOf(10));
    const index = fs.bytes(`${DIR}/00000000000000000000.index`);
    // Kafka's rule: a batch gets an entry when more than 4096 bytes were appended since the last entry.
    let expected = 0;
    for (let i = 0, since = 0; i < 40; i++, since += size) {
      if (since > 4096) {
        expected++;
        since = 0;
      }
    }
    expect(index.length / 8).toBe(expected);
    const view = new DataView(index.buffer, index.byteOffset);
    // Entry = (relative last offset of a batch, position of that batch): check one against the log.
    const rel = view.getUint32(0);
    const position = view.getUint32(4);
    const stored = log.read(BigInt(rel), 1).records;
    expect(position % size).toBe(0);
    expect(validateRecordBatch(stored).baseOffset + 9n).toBe(BigInt(rel));
  });

  it("fails an append on ENOSPC with a typed error, serves reads, and appends again once space returns", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    log.append(batchOf(3));
    fs.failNext("write", "ENOSPC", ".log");
    let error: unknown;
    try {
      log.append(batchOf(3));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).errno).toBe("ENOSPC");
    expect((error as StorageError).code).toBe("KAFKA_STORAGE_ERROR");
    expect((error as StorageError).retriable).toBe(true);
    expect(log.logEndOffset).toBe(3n);
    expect(readAll(log).length).toBe(3);
    expect(log.append(batchOf(2)).baseOffset).toBe(3n);
    expect(readAll(log).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it("never exposes a torn write: the next append overwrites it and readers see whole batches", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    log.append(batchOf(3));
    fs.tearNextWrite(40);
    expect(() => log.append(batchOf(3))).toThrow(StorageError);
    expect(log.read(3n, 100).records.length).toBe(0);
    log.append(batchOf(4));
    expect(readAll(log).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it("closes cleanly and reopens with the same contents", async () => {
    const fs = newFs();
    const { log } = openLog(fs, { segmentBytes: 5000 });
    for (let i = 0; i < 20; i++) log.append(batchOf(10, { key: (j) => `k${i}-${j}` }));
    const before = readAll(log);
    await log.close();
    expect(() => log.append(batchOf(1))).toThrow(StorageError);
    const reopened = openLog(fs, { segmentBytes: 5000 }).log;
    expect(reopened.logEndOffset).toBe(200n);
    expect(readAll(reopened)).toEqual(before);
    expect(reopened.append(batchOf(1)).baseOffset).toBe(200n);
  });

  it("refuses nothing on a fresh directory and starts at offset 0", () => {
    const fs = newFs();
    const log = PartitionLog.open({ dir: "/data/fresh-3", fs });
    expect(log.logEndOffset).toBe(0n);
    expect(log.logStartOffset).toBe(0n);
  });
});
