// Bounded file descriptors (issue 11, item 5): closed segments open their .log on demand through an LRU of
// descriptors, their indexes live in memory, and only the active segment keeps its three files open. A
// partition with hundreds of segments opens, is written and is read end to end while the process's open
// descriptor count (/proc/self/fd) stays within the cache's capacity plus the active segment.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/log.js";
import { defaultFileCacheCapacity, FileCache } from "../../src/storage/file-cache.js";
import { checkFileLimits, readFileLimits } from "../../src/storage/fd-limits.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { consumeAll, numberedBatch, tempDir } from "../faults/storage-helpers.js";
import { MemoryFileSystem } from "../helpers/memory-fs.js";

const openFds = () => readdirSync("/proc/self/fd").length;
const linux = process.platform === "linux";

describe("descriptor cache for closed segments", () => {
  it.skipIf(!linux)("400 segments: open, append, reopen and read all with the fd count bounded", async () => {
    const temp = tempDir("fds");
    const capacity = 16;
    try {
      const batch = numberedBatch(0, 5);
      const config = { segmentBytes: batch.length * 2 + 64 };
      const baseline = openFds();
      const cache = new FileCache(capacity);
      const log = PartitionLog.open({ dir: temp.dir, config, logger: memoryLogger(), fileCache: cache });
      let peak = 0;
      for (let i = 0; i < 800; i++) {
        log.append(numberedBatch(i * 5, 5));
        if (i % 50 === 0) peak = Math.max(peak, openFds() - baseline);
      }
      expect(log.segments.length).toBeGreaterThanOrEqual(400);
      await log.close();
      peak = Math.max(peak, openFds() - baseline);

      const reopened = PartitionLog.open({ dir: temp.dir, config, logger: memoryLogger(), fileCache: cache });
      peak = Math.max(peak, openFds() - baseline);
      const values = consumeAll(reopened);
      peak = Math.max(peak, openFds() - baseline);
      expect(values.size).toBe(4000);
      expect(values.get(3999n)).toMatch(/^v3999:/);
      // Every segment was read, yet at most `capacity` closed logs + the active segment's 3 files are open
      // (+2 for the recovery scan's checkpoint write, which closes its file again).
      expect(peak).toBeLessThanOrEqual(capacity + 3 + 2);
      expect(cache.idleOpen).toBeLessThanOrEqual(capacity);
      expect(cache.opens).toBeGreaterThan(400);
      await reopened.close();
      expect(openFds()).toBe(baseline);
    } finally {
      temp.remove();
    }
  });

  it("an fsync in flight keeps its descriptor even when the cache wants to evict it", async () => {
    const fs = new MemoryFileSystem();
    fs.mkdirp("/d");
    fs.asyncSyncDelayMs = 10;
    const cache = new FileCache(1);
    const a = cache.file(fs, "/d/a", true);
    const b = cache.file(fs, "/d/b", true);
    a.write(Uint8Array.of(1, 2, 3), 0, 3, 0);
    const syncing = a.syncAsync();
    b.write(Uint8Array.of(4), 0, 1, 0); // would evict `a` were it not pinned
    expect(a.isOpen).toBe(true);
    await syncing;
    expect(fs.durableLength("/d/a")).toBe(3);
    // Now it is an ordinary idle file and goes when another one needs the slot.
    b.read(new Uint8Array(1), 0, 1, 0);
    expect(cache.idleOpen).toBe(1);
    expect(a.isOpen).toBe(false);
    // And reopens transparently on its next use.
    const back = new Uint8Array(3);
    expect(a.read(back, 0, 3, 0)).toBe(3);
    expect([...back]).toEqual([1, 2, 3]);
  });

  it("a closed file refuses further use with EBADF instead of reopening", () => {
    const fs = new MemoryFileSystem();
    fs.mkdirp("/d");
    const file = new FileCache(4).file(fs, "/d/x", true);
    file.write(Uint8Array.of(1), 0, 1, 0);
    file.close();
    expect(() => file.size()).toThrow(expect.objectContaining({ code: "EBADF" }));
  });

  it("reads RLIMIT_NOFILE, sizes the default cache from it, and warns when it is low", () => {
    const text = (soft: string, hard: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 ${hard}                 files\n`;
    expect(readFileLimits(text("1024", "4096"))).toEqual({ soft: 1024, hard: 4096 });
    expect(readFileLimits(text("unlimited", "unlimited"))).toEqual({ soft: Infinity, hard: Infinity });
    expect(readFileLimits("nothing here")).toBeUndefined();
    expect(defaultFileCacheCapacity({ soft: 1024, hard: 4096 })).toBe(256);
    expect(defaultFileCacheCapacity({ soft: 200, hard: 200 })).toBe(50);
    expect(defaultFileCacheCapacity({ soft: 20, hard: 20 })).toBe(16);
    expect(defaultFileCacheCapacity(undefined)).toBe(256);
    const logger = memoryLogger();
    checkFileLimits(logger, { soft: 1024, hard: 1024 });
    checkFileLimits(logger, { soft: 65536, hard: 65536 });
    expect(logger.entries.map((e) => [e.level, e.soft])).toEqual([
      ["warn", 1024],
      ["info", 65536],
    ]);
  });
});
