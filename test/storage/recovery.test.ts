import { describe, expect, it } from "vitest";
import { batchOf, countLogReads, DIR, newFs, openLog, readAll } from "./helpers.js";

const segmentLog = (base: number) => `${DIR}/${String(base).padStart(20, "0")}.log`;

describe("PartitionLog durability and recovery", () => {
  it("keeps every fsynced batch across a power cut and loses only unsynced ones", async () => {
    const fs = newFs();
    const { log } = openLog(fs);
    for (let i = 0; i < 5; i++) await log.appendDurable(batchOf(4));
    log.append(batchOf(4)); // reaches the OS only
    fs.powerCut();
    const { log: reopened, logger } = openLog(fs);
    expect(reopened.logEndOffset).toBe(20n);
    expect(readAll(reopened).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    expect(logger.entries.filter((e) => e.msg === "recovery truncated the log")).toHaveLength(0);
  });

  it("truncates a torn tail at the last whole batch and reports it in one structured line", async () => {
    const fs = newFs();
    const { log } = openLog(fs);
    for (let i = 0; i < 3; i++) await log.appendDurable(batchOf(4));
    const size = batchOf(4).length;
    log.append(batchOf(4));
    log.append(batchOf(4));
    // The disk got 1.5 of the 2 unsynced batches out before the power went.
    fs.powerCut(() => Math.floor(size * 1.5));
    const { log: reopened, logger } = openLog(fs);
    expect(reopened.logEndOffset).toBe(16n);
    expect(readAll(reopened).length).toBe(16);
    const lines = logger.entries.filter((e) => e.msg === "recovery truncated the log");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", truncatedBytes: Math.floor(size / 2), reason: "TRUNCATED", logEndOffset: 16n });
    // And it appends on from there.
    expect(reopened.append(batchOf(1)).baseOffset).toBe(16n);
  });

  it("cuts at a corrupt batch (bad CRC) after the recovery point and drops later segments", async () => {
    const fs = newFs();
    const size = batchOf(4).length;
    const { log } = openLog(fs, { segmentBytes: size * 4 });
    for (let i = 0; i < 2; i++) await log.appendDurable(batchOf(4));
    for (let i = 0; i < 6; i++) log.append(batchOf(4));
    expect(log.segments.length).toBe(2);
    log.abandon(); // a process crash: page cache survives, no clean shutdown
    // Flip one value byte in the third batch of the first segment.
    fs.poke(segmentLog(0), size * 2 + 100, Uint8Array.of(0x00));
    const { log: reopened, logger } = openLog(fs, { segmentBytes: size * 4 });
    expect(reopened.logEndOffset).toBe(8n);
    expect(reopened.segments.length).toBe(1);
    expect(fs.exists(segmentLog(16))).toBe(false);
    const line = logger.entries.find((e) => e.msg === "recovery truncated the log");
    expect(line).toMatchObject({ reason: "BAD_CRC", laterSegmentsDeleted: 1 });
    expect(readAll(reopened).length).toBe(8);
  });

  it("after a clean close, opening reads only segment tails, not the whole log", async () => {
    const fs = newFs();
    const { log } = openLog(fs, { segmentBytes: 64 * 1024 });
    for (let i = 0; i < 200; i++) log.append(batchOf(10));
    await log.close();
    const total = log.segments.reduce((n, s) => n + s.size, 0);
    const bytesRead = countLogReads(fs);
    const { log: reopened } = openLog(fs, { segmentBytes: 64 * 1024 });
    expect(reopened.logEndOffset).toBe(2000n);
    expect(bytesRead()).toBeLessThan(total / 4);
  });

  it("rebuilds an index that disagrees with its log", async () => {
    const fs = newFs();
    const { log } = openLog(fs, { segmentBytes: 16 * 1024 });
    for (let i = 0; i < 60; i++) log.append(batchOf(10));
    const before = readAll(log);
    await log.close();
    // Point the first index entry past the end of its log.
    fs.poke(`${DIR}/00000000000000000000.index`, 4, Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
    const { log: reopened } = openLog(fs, { segmentBytes: 16 * 1024 });
    expect(readAll(reopened)).toEqual(before);
    const index = fs.bytes(`${DIR}/00000000000000000000.index`);
    expect(new DataView(index.buffer, index.byteOffset).getUint32(4)).toBeLessThan(16 * 1024);
  });

  it("shares one fsync among concurrent durable appends (group commit)", async () => {
    const fs = newFs();
    const { log } = openLog(fs);
    const before = fs.syncCount;
    const results = await Promise.all(Array.from({ length: 50 }, () => log.appendDurable(batchOf(2))));
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i * 2)));
    // One flush = the segment's three files (+ at most one checkpoint); never one per append.
    expect(fs.syncCount - before).toBeLessThanOrEqual(8);
    fs.powerCut();
    expect(openLog(fs).log.logEndOffset).toBe(100n);
  });

  it("flush.messages=1 fsyncs after every append; flush.ms fsyncs on the owner's tick", async () => {
    const fs = newFs();
    const { log } = openLog(fs, { flushMessages: 1 });
    log.append(batchOf(3));
    await new Promise((r) => setImmediate(r));
    expect(log.recoveryPoint).toBe(3n);

    const fs2 = newFs();
    const { log: timed, clock } = openLog(fs2, { flushMs: 1000 });
    timed.append(batchOf(3));
    expect(timed.maybeFlush()).toBeUndefined();
    clock.now += 1000;
    await timed.maybeFlush();
    expect(timed.recoveryPoint).toBe(3n);
    fs2.powerCut();
    expect(openLog(fs2).log.logEndOffset).toBe(3n);
  });

  it("an fsync failure surfaces as a typed error to the durable appender, and is logged once per episode", async () => {
    const fs = newFs();
    const { log, logger } = openLog(fs);
    const fsyncLines = () => logger.entries.filter((e) => /^fsync/.test(e.msg)).map((e) => `${e.level} ${e.msg.split(":")[0]}`);
    fs.failNext("sync", "EIO", ".log");
    await expect(log.appendDurable(batchOf(1))).rejects.toMatchObject({ code: "KAFKA_STORAGE_ERROR", errno: "EIO" });
    fs.failNext("sync", "EIO", ".log");
    await expect(log.appendDurable(batchOf(1))).rejects.toMatchObject({ code: "KAFKA_STORAGE_ERROR", errno: "EIO" });
    await expect(log.appendDurable(batchOf(1))).resolves.toMatchObject({ baseOffset: 2n });
    await expect(log.appendDurable(batchOf(1))).resolves.toMatchObject({ baseOffset: 3n });
    // A disk that fails every flush (each flush.ms, every acks=all round) must not write a warning per try.
    expect(fsyncLines()).toEqual(["warn fsync failed", "debug fsync still failing", "info fsync succeeds again"]);
  });
});
