// Issue 11 item 3: flipped bytes below and above the recovery point. Below it (data that was fsynced) the
// damage is reported, kept on disk, refused to readers with CORRUPT_MESSAGE, and nothing after it is lost;
// above it (never fsynced) the log is cut there as after any crash. Memory file system, so every byte and
// every sync is under the test's control.
import { describe, expect, it } from "vitest";
import { CorruptRecordError, toKafkaCode } from "../../src/errors/index.js";
import { flip } from "../helpers/flip.js";
import type { MemoryFileSystem } from "../helpers/memory-fs.js";
import { batchOf, countLogReads, DIR, newFs, openLog, readAll } from "../storage/helpers.js";

const segmentLog = (base: bigint | number) => `${DIR}/${String(base).padStart(20, "0")}.log`;
const CHECKPOINT = `${DIR}/partition.checkpoint`;
const size = batchOf(10).length;
const config = { segmentBytes: size * 10 };

/** Flips one byte of a stored batch's record payload (past its 61-byte header) in place. */
function corrupt(fs: MemoryFileSystem, path: string, position: number, mask = 0x5a): void {
  const bytes = fs.bytes(path);
  flip(bytes, position, mask);
  fs.poke(path, position, bytes.subarray(position, position + 1));
}

/** 3 full segments and part of a 4th, all fsynced and checkpointed (recovery point = log end), then a crash. */
async function durableLog(fs: MemoryFileSystem, batches = 35, segmentBytes = config.segmentBytes) {
  const { log, clock } = openLog(fs, { segmentBytes });
  for (let i = 0; i < batches; i++) log.append(batchOf(10));
  await log.flush();
  clock.now += 60_000;
  await log.maybeCheckpoint();
  return log;
}

function readsOf(log: ReturnType<typeof openLog>["log"]) {
  const ok: bigint[] = [];
  const refused: bigint[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset; offset++) {
    try {
      if (log.read(offset, 1).records.length) ok.push(offset);
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      expect(toKafkaCode(error)).toBe(2);
      refused.push(offset);
    }
  }
  return { ok, refused };
}

describe("corruption below and above the recovery point (issue 11, item 3)", () => {
  it("the recovery point reaches the checkpoint file after fsyncs, without a write per fsync", async () => {
    const fs = newFs();
    const { log, clock } = openLog(fs, config);
    const checkpoint = () => JSON.parse(new TextDecoder().decode(fs.bytes(CHECKPOINT))) as { recoveryPoint: string; clean: boolean };
    const writes = () => fs.syncedPaths.filter((p) => p.includes("partition.checkpoint")).length;
    const before = writes();
    for (let i = 0; i < 5; i++) await log.appendDurable(batchOf(10));
    // Five fsyncs within one checkpoint interval (5 s): no checkpoint write yet.
    expect(writes()).toBe(before);
    expect(checkpoint().recoveryPoint).toBe("0");
    clock.now += 5000;
    log.maybeFlush(); // the owner's tick: nothing to flush, but the recovery point moved
    await new Promise((resolve) => setImmediate(resolve));
    expect(checkpoint()).toMatchObject({ recoveryPoint: "50", clean: false });
    expect(writes()).toBe(before + 1);
    clock.now += 5000;
    expect(log.maybeCheckpoint()).toBeUndefined(); // nothing new: no write
    // Data that is appended but not fsynced never reaches the checkpoint's recovery point.
    log.append(batchOf(10));
    clock.now += 5000;
    await log.maybeCheckpoint();
    expect(checkpoint().recoveryPoint).toBe("50");
  });

  it("after a crash, recovery reads only what lies past the recovery point", async () => {
    const fs = newFs();
    const big = { segmentBytes: size * 100 };
    const log = await durableLog(fs, 1000, big.segmentBytes);
    for (let i = 0; i < 3; i++) log.append(batchOf(10)); // not fsynced
    log.abandon();
    const bytesRead = countLogReads(fs);
    const { log: reopened } = openLog(fs, big);
    expect(reopened.logEndOffset).toBe(10_030n);
    // 1003 batches in 11 segments; a tail check per segment and a rescan of the last: a small fraction.
    expect(bytesRead()).toBeLessThan(1003 * size * 0.25);
  });

  it("a flipped byte in an old segment with no usable checkpoint is fenced off; later segments survive (the issue's case)", async () => {
    const fs = newFs();
    const log = await durableLog(fs);
    log.abandon();
    fs.poke(CHECKPOINT, 0, new TextEncoder().encode("garbage!"));
    corrupt(fs, segmentLog(0), size * 4 + 100); // batch 4: offsets 40..49
    const { log: reopened, logger } = openLog(fs, config);
    expect(reopened.logEndOffset).toBe(350n);
    expect(reopened.segments.map((s) => s.baseOffset)).toEqual([0n, 100n, 200n, 300n]);
    expect(logger.entries.find((e) => e.msg === "partition checkpoint unusable; rescanning the whole log")).toBeDefined();
    expect(logger.entries.filter((e) => e.msg === "recovery truncated the log")).toEqual([]);
    const line = logger.entries.find((e) => e.msg.startsWith("corrupt data below the recovery point"));
    expect(line).toMatchObject({ level: "error", firstOffset: 40n, lastOffset: 49n, reason: "BAD_CRC", bytes: size, position: size * 4 });
    expect(reopened.corruptRanges).toBe(1);
    const { ok, refused } = readsOf(reopened);
    expect(refused).toEqual(Array.from({ length: 10 }, (_, i) => 40n + BigInt(i)));
    expect(ok.length).toBe(340);
    // A read starting before the damage stops short of it.
    const before = reopened.read(30n, 1 << 20).records;
    expect(before.length).toBe(size);
    // Appends continue at the real end.
    expect(reopened.append(batchOf(1)).baseOffset).toBe(350n);
  });

  it("a flipped byte below the recovery point in the rescanned part of the active segment is fenced off", async () => {
    const fs = newFs();
    const log = await durableLog(fs);
    for (let i = 0; i < 3; i++) log.append(batchOf(10)); // 350..379, above the recovery point
    log.abandon();
    // Active segment (base 300): batches 300, 310, 320, 330, 340 fsynced, then 3 unsynced. Damage 340..349.
    corrupt(fs, segmentLog(300), size * 4 + 80);
    const { log: reopened, logger } = openLog(fs, config);
    expect(reopened.logEndOffset).toBe(380n);
    expect(logger.entries.find((e) => e.msg.startsWith("corrupt data below"))).toMatchObject({ firstOffset: 340n, lastOffset: 349n });
    const { refused, ok } = readsOf(reopened);
    expect(refused).toEqual(Array.from({ length: 10 }, (_, i) => 340n + BigInt(i)));
    expect(ok.length).toBe(370);
  });

  it("a damaged length field below the recovery point: the scan finds the next whole batch and resumes there", async () => {
    const fs = newFs();
    const log = await durableLog(fs);
    log.abandon();
    fs.poke(CHECKPOINT, 0, new TextEncoder().encode("{}"));
    fs.poke(segmentLog(100), size * 2 + 8, Uint8Array.of(0x7f, 0x00, 0x00, 0x00)); // batchLength of offsets 120..129
    const { log: reopened, logger } = openLog(fs, config);
    expect(reopened.logEndOffset).toBe(350n);
    expect(logger.entries.find((e) => e.msg.startsWith("corrupt data below"))).toMatchObject({ firstOffset: 120n, lastOffset: 129n, bytes: size });
    expect(readsOf(reopened).refused.length).toBe(10);
  });

  it("a flipped byte in the last batch after a clean stop is fenced off, and its offsets are never reused", async () => {
    const fs = newFs();
    const log = await durableLog(fs);
    await log.close();
    corrupt(fs, segmentLog(300), size * 4 + 70);
    const { log: reopened, logger } = openLog(fs, config);
    expect(logger.entries.find((e) => e.msg.startsWith("corrupt data below"))).toMatchObject({ firstOffset: 340n, lastOffset: 349n });
    expect(reopened.logEndOffset).toBe(350n);
    expect(reopened.append(batchOf(1)).baseOffset).toBe(350n);
    expect(readsOf(reopened).refused.length).toBe(10);
  });

  it("a flipped byte above the recovery point is a torn crash write: cut there, later segments dropped", async () => {
    const fs = newFs();
    const log = await durableLog(fs, 5);
    for (let i = 0; i < 20; i++) log.append(batchOf(10)); // 50..249, never fsynced
    log.abandon();
    corrupt(fs, segmentLog(0), size * 7 + 100); // offsets 70..79
    const { log: reopened, logger } = openLog(fs, config);
    expect(reopened.logEndOffset).toBe(70n);
    expect(logger.entries.find((e) => e.msg === "recovery truncated the log")).toMatchObject({ reason: "BAD_CRC", laterSegmentsDeleted: 2 });
    expect(readAll(reopened).length).toBe(70);
  });

  it("a log start offset past the log end is ignored with a warning; nothing is deleted", async () => {
    const fs = newFs();
    const log = await durableLog(fs);
    await log.close();
    const text = new TextDecoder().decode(fs.bytes(CHECKPOINT)).replace(/"logStartOffset":"\d+"/, '"logStartOffset":"999999"');
    fs.removeTree(CHECKPOINT);
    const handle = fs.open(CHECKPOINT, true);
    handle.write(new TextEncoder().encode(text), 0, text.length, 0);
    const { log: reopened, logger } = openLog(fs, config);
    expect(logger.entries.find((e) => e.msg === "checkpoint log start offset is past the log end; ignoring it")).toMatchObject({
      logStartOffset: 999999n,
      logEndOffset: 350n,
    });
    expect(reopened.logStartOffset).toBe(0n);
    expect(reopened.segments.length).toBe(4);
    expect(readAll(reopened).length).toBe(350);
  });

  for (const [label, text] of [
    ["empty", ""],
    ["not JSON", "\u0000\u0001garbage"],
    ["version only", '{"version":1}'],
    ["negative offsets", '{"version":1,"logStartOffset":"-5","recoveryPoint":"abc","clean":true}'],
  ] as const) {
    it(`a checkpoint that is ${label} gets a warning, a full rescan and no data loss`, async () => {
      const fs = newFs();
      const log = await durableLog(fs);
      await log.close();
      fs.removeTree(CHECKPOINT);
      const handle = fs.open(CHECKPOINT, true);
      const bytes = new TextEncoder().encode(text);
      handle.write(bytes, 0, bytes.length, 0);
      const { log: reopened, logger } = openLog(fs, config);
      expect(logger.entries.find((e) => e.msg === "partition checkpoint unusable; rescanning the whole log")).toMatchObject({ level: "warn" });
      expect(reopened.logEndOffset).toBe(350n);
      expect(reopened.segments.length).toBe(4);
      expect(readAll(reopened).length).toBe(350);
      // And the checkpoint is whole again.
      expect(JSON.parse(new TextDecoder().decode(fs.bytes(CHECKPOINT)))).toMatchObject({ version: 1, recoveryPoint: "350" });
    });
  }
});
