import { describe, expect, it } from "vitest";
import { OffsetOutOfRangeError } from "../../src/core/index.js";
import { compactLog } from "../../src/storage/compaction.js";
import { enforceRetention } from "../../src/storage/retention.js";
import { offsetForTimestamp } from "../../src/storage/timestamp-lookup.js";
import { batchOf, DIR, FakeClock, newFs, openLog, readAll } from "./helpers.js";

const noYield = async () => {};

describe("retention", () => {
  it("deletes closed segments older than retention.ms, never the active one, and moves the log start", () => {
    const fs = newFs();
    const clock = new FakeClock(1_000_000);
    const size = batchOf(5).length;
    const { log } = openLog(fs, { segmentBytes: size * 2, retentionMs: 10_000 }, clock);
    for (let i = 0; i < 6; i++) log.append(batchOf(5, { timestamp: 1_000_000 + i * 5000 }));
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0n, 10n, 20n]);
    clock.now = 1_000_000 + 5000 + 4 + 10_001; // segment 0's newest record (batch 1, record 4) is now past retention
    expect(enforceRetention(log)).toMatchObject({ deletedSegments: 1, logStartOffset: 10n });
    expect(fs.exists(`${DIR}/00000000000000000000.log`)).toBe(false);
    expect(() => log.read(9n, 100)).toThrow(OffsetOutOfRangeError);
    expect(log.read(10n, 100).logStartOffset).toBe(10n);
    clock.now = 10_000_000;
    expect(enforceRetention(log).deletedSegments).toBe(1);
    expect(log.segments.length).toBe(1); // the active segment stays, however old
    expect(readAll(log).map((r) => r.offset)[0]).toBe(20n);
  });

  it("in cluster mode deletes only segments wholly below the high watermark", () => {
    const fs = newFs();
    const clock = new FakeClock(1_000_000);
    const size = batchOf(5).length;
    const { log } = openLog(fs, { segmentBytes: size * 2, retentionMs: 10_000 }, clock);
    for (let i = 0; i < 6; i++) log.append(batchOf(5, { timestamp: 1_000_000 }));
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0n, 10n, 20n]);
    clock.now = 10_000_000; // both closed segments are past retention
    expect(enforceRetention(log, 0n).deletedSegments).toBe(0); // nothing known committed: nothing goes
    expect(enforceRetention(log, 15n)).toMatchObject({ deletedSegments: 1, logStartOffset: 10n }); // [10, 20) reaches the HW
    expect(enforceRetention(log, 20n)).toMatchObject({ deletedSegments: 1, logStartOffset: 20n });
  });

  it("deletes the oldest segments while the log exceeds retention.bytes", () => {
    const fs = newFs();
    const size = batchOf(5).length;
    const { log } = openLog(fs, { segmentBytes: size * 2, retentionBytes: size * 3, retentionMs: -1 });
    for (let i = 0; i < 7; i++) log.append(batchOf(5));
    // 4 segments: 2+2+2+1 batches = 7 batches; keeping <= 3 batches of bytes needs all but the last two.
    expect(enforceRetention(log).deletedSegments).toBe(2);
    expect(log.logStartOffset).toBe(20n);
    expect(log.sizeInBytes).toBe(size * 3);
  });

  it("a crash after the log start moved but before files were deleted finishes the deletion on open", () => {
    const fs = newFs();
    const size = batchOf(5).length;
    const { log } = openLog(fs, { segmentBytes: size * 2, retentionBytes: 0, retentionMs: -1 });
    for (let i = 0; i < 5; i++) log.append(batchOf(5));
    fs.failNext("open", "EIO", "never-matches"); // harmless: shows failures are path-scoped
    const doomed = log.segments[0]!;
    // Simulate: checkpoint written with the new log start, then the process dies before unlinking.
    log.logStartOffset = 10n;
    log.writeCheckpoint(false);
    log.abandon();
    expect(fs.exists(doomed.files.log)).toBe(true);
    const { log: reopened } = openLog(fs, { segmentBytes: size * 2 });
    expect(fs.exists(doomed.files.log)).toBe(false);
    expect(reopened.logStartOffset).toBe(10n);
    expect(readAll(reopened)[0]!.offset).toBe(10n);
  });
});

describe("offsetForTimestamp", () => {
  it("finds the first offset whose record timestamp is >= the target, across segments", () => {
    const fs = newFs();
    const size = batchOf(10).length;
    const { log } = openLog(fs, { segmentBytes: size * 3, indexIntervalBytes: 1 });
    // Batch i holds timestamps 1000*i .. 1000*i + 9.
    for (let i = 0; i < 10; i++) log.append(batchOf(10, { timestamp: 1000 * i }));
    expect(offsetForTimestamp(log, 0)).toEqual({ offset: 0n, timestamp: 0 });
    expect(offsetForTimestamp(log, 5)).toEqual({ offset: 5n, timestamp: 5 });
    expect(offsetForTimestamp(log, 10)).toEqual({ offset: 10n, timestamp: 1000 });
    expect(offsetForTimestamp(log, 7005)).toEqual({ offset: 75n, timestamp: 7005 });
    expect(offsetForTimestamp(log, 9009)).toEqual({ offset: 99n, timestamp: 9009 });
    expect(offsetForTimestamp(log, 9010)).toBeUndefined();
  });
});

describe("compaction", () => {
  const config = (size: number) => ({ segmentBytes: size * 2, cleanupPolicy: ["compact"] as Array<"compact">, deleteRetentionMs: 60_000 });

  it("keeps only the latest record per key in closed segments, preserving offsets", async () => {
    const fs = newFs();
    const size = batchOf(4, { key: (i) => `k${i}`, value: () => "v0" }).length;
    const { log } = openLog(fs, config(size));
    // Keys k0..k3 written 5 times (values v<round>); the last round stays in the active segment.
    for (let round = 0; round < 5; round++) log.append(batchOf(4, { key: (i) => `k${i}`, value: () => `v${round}` }));
    const closedEnd = log.activeSegment.baseOffset;
    const result = await compactLog(log, noYield);
    expect(result.recordsRemoved).toBeGreaterThan(0);
    const records = readAll(log);
    const closed = records.filter((r) => r.offset < closedEnd);
    // In the closed part each key appears once, with its latest closed value and original offset.
    expect(new Set(closed.map((r) => r.key)).size).toBe(closed.length);
    for (const r of closed) expect(r.value).toBe(`v${Number(r.offset) >> 2}`);
    // Offsets only increase, and the active segment is untouched.
    expect(records.map((r) => r.offset)).toEqual([...records.map((r) => r.offset)].sort((a, b) => (a < b ? -1 : 1)));
    expect(records.filter((r) => r.offset >= closedEnd).map((r) => r.value)).toEqual(["v4", "v4", "v4", "v4"]);
    // The latest value of every key is still readable.
    const latest = new Map(records.map((r) => [r.key, r.value]));
    expect([...latest.values()]).toEqual(["v4", "v4", "v4", "v4"]);
    // Reading from an offset that compaction removed starts at the next surviving record.
    expect(readAll(log, 1n)[0]!.offset).toBeGreaterThanOrEqual(1n);
  });

  it("in cluster mode leaves segments reaching the high watermark alone: a record that may still be truncated supersedes nothing", async () => {
    const fs = newFs();
    const size = batchOf(4, { key: (i) => `k${i}`, value: () => "v0" }).length;
    const { log } = openLog(fs, config(size));
    // Segments of two batches: [0, 8) committed values, [8, 16) newer values, [16, ...) active.
    for (let round = 0; round < 5; round++) log.append(batchOf(4, { key: (i) => `k${i}`, value: () => `v${round}` }));
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0n, 8n, 16n]);
    const before = readAll(log).map((r) => `${r.offset}:${r.value}`);

    // The high watermark inside the second segment: only the first is cleanable, and only by itself.
    let result = await compactLog(log, noYield, undefined, 12n);
    let records = readAll(log);
    expect(records.filter((r) => r.offset >= 8n).map((r) => `${r.offset}:${r.value}`)).toEqual(before.slice(8));
    expect(records.filter((r) => r.offset < 8n).map((r) => r.value)).toEqual(["v1", "v1", "v1", "v1"]);
    expect(result.recordsRemoved).toBe(4);

    // Nothing is known committed (a replica just opened): nothing is touched.
    result = await compactLog(log, noYield, undefined, 0n);
    expect(result.segmentsRewritten).toBe(0);

    // Once the high watermark reaches the active segment, both closed segments compact as on one node.
    result = await compactLog(log, noYield, undefined, 16n);
    records = readAll(log);
    expect(records.filter((r) => r.offset < 16n).map((r) => r.value)).toEqual(["v3", "v3", "v3", "v3"]);
  });

  it("keeps tombstones for delete.retention.ms, then drops them", async () => {
    const fs = newFs();
    const clock = new FakeClock(100_000);
    const size = batchOf(2, { key: (i) => `k${i}` }).length;
    const { log } = openLog(fs, config(size), clock);
    log.append(batchOf(2, { key: (i) => `k${i}`, timestamp: 100_000 }));
    log.append(batchOf(2, { key: (i) => `k${i}`, value: () => null, timestamp: 100_000 })); // tombstones
    log.append(batchOf(2, { key: (i) => `x${i}`, timestamp: 100_000 }));
    log.append(batchOf(2, { key: (i) => `x${i}`, timestamp: 100_000 }));
    log.append(batchOf(1, { key: () => "active", timestamp: 100_000 }));
    await compactLog(log, noYield);
    let records = readAll(log);
    expect(records.filter((r) => r.key === "k0").map((r) => r.value)).toEqual([null]);
    clock.now = 100_000 + 60_001;
    await compactLog(log, noYield);
    records = readAll(log);
    expect(records.filter((r) => r.key === "k0")).toEqual([]);
    expect(records.filter((r) => r.key === "x0").map((r) => r.offset)).toEqual([6n]);
  });

  it("loses nothing when it crashes before the swap commits, and finishes a committed swap on open", async () => {
    for (const failAt of ["cleaned", "swap-installed"] as const) {
      const fs = newFs();
      const size = batchOf(4, { key: (i) => `k${i}`, value: () => "v0" }).length;
      const { log } = openLog(fs, config(size));
      for (let round = 0; round < 5; round++) log.append(batchOf(4, { key: (i) => `k${i}`, value: () => `v${round}` }));
      await log.flush();
      const latestBefore = new Map(readAll(log).map((r) => [r.key, r.value]));
      if (failAt === "cleaned") fs.failNext("rename", "EIO", ".cleaned");
      else fs.failNext("rename", "EIO", ".swap");
      await expect(compactLog(log, noYield)).rejects.toThrow();
      fs.powerCut();
      const { log: reopened } = openLog(fs, config(size));
      const after = readAll(reopened);
      expect(new Map(after.map((r) => [r.key, r.value]))).toEqual(latestBefore);
      expect(fs.list(DIR).filter((n) => n.endsWith(".cleaned") || n.endsWith(".swap"))).toEqual([]);
      if (failAt === "swap-installed") {
        // The committed swap was installed: the first segment is compacted.
        expect(after.filter((r) => r.offset < 8n).length).toBeLessThan(8);
      }
    }
  });
});
