// Issue 11 item 1: a torn tail must never hide a partition, whatever the clean-shutdown flag says.
// 20,000 records in 20 batches, a clean stop (or a crash), the active .log cut at several points inside its
// last batch; on reopen the log ends where the last whole batch ends, one structured line says what was cut,
// new appends continue from there and reads return exactly the surviving records, then the new ones.
import { afterEach, describe, expect, it } from "vitest";
import { consumeAll, cutFile, fileSize, numberedBatch, openReal, segmentPath, tempDir } from "./storage-helpers.js";

const BATCHES = 20;
const PER_BATCH = 1000;

interface Produced {
  dir: string;
  lastBatchStart: number;
  lastBatchBase: bigint;
  size: number;
}

async function produce(dir: string, stop: "clean" | "crash" | "crash-synced"): Promise<Produced> {
  const { log } = openReal(dir);
  let lastBatchStart = 0;
  let lastBatchBase = 0n;
  for (let b = 0; b < BATCHES; b++) {
    lastBatchStart = log.activeSegment.size;
    lastBatchBase = log.append(numberedBatch(b * PER_BATCH, PER_BATCH)).baseOffset;
  }
  expect(log.logEndOffset).toBe(BigInt(BATCHES * PER_BATCH));
  if (stop === "clean") await log.close();
  else {
    if (stop === "crash-synced") {
      await log.flush();
      log.writeCheckpoint(false);
    }
    log.abandon();
  }
  return { dir, lastBatchStart, lastBatchBase, size: fileSize(segmentPath(dir, 0)) };
}

describe("torn tail of the active segment (issue 11, item 1)", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  for (const stop of ["clean", "crash", "crash-synced"] as const) {
    // A few bytes in, inside the header, past the header, 20,000 bytes in, one byte short of whole.
    for (const into of [3, 30, 70, 20_000, -1]) {
      it(`after a ${stop} stop, cut ${into < 0 ? "one byte short of the end" : `${into} bytes into the last batch`}`, async () => {
        const temp = tempDir("torn");
        cleanups.push(temp.remove);
        const produced = await produce(temp.dir, stop);
        const cutAt = into < 0 ? produced.size - 1 : produced.lastBatchStart + into;
        expect(produced.size - produced.lastBatchStart).toBeGreaterThan(20_000);
        cutFile(segmentPath(temp.dir, 0), cutAt);

        const { log, logger } = openReal(temp.dir);
        expect(log.logEndOffset).toBe(produced.lastBatchBase);
        expect(fileSize(segmentPath(temp.dir, 0))).toBe(produced.lastBatchStart);
        const lines = logger.entries.filter((e) => e.msg === "recovery truncated the log");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({
          level: "warn",
          segment: "00000000000000000000.log",
          validBytes: produced.lastBatchStart,
          truncatedBytes: cutAt - produced.lastBatchStart,
          reason: "TRUNCATED",
          logEndOffset: produced.lastBatchBase,
          cleanShutdown: stop === "clean",
          laterSegmentsDeleted: 0,
        });

        // Appends continue from the last whole batch, and reads see the old records, then the new ones.
        const appended = log.append(numberedBatch(900_000, 50));
        expect(appended.baseOffset).toBe(produced.lastBatchBase);
        const values = consumeAll(log);
        expect(values.size).toBe(Number(produced.lastBatchBase) + 50);
        expect(values.get(0n)).toMatch(/^v0:/);
        expect(values.get(produced.lastBatchBase - 1n)).toMatch(new RegExp(`^v${Number(produced.lastBatchBase) - 1}:`));
        expect(values.get(produced.lastBatchBase)).toMatch(/^v900000:/);
        await log.close();

        // And the result is stable across another clean restart.
        const { log: again, logger: quiet } = openReal(temp.dir);
        expect(again.logEndOffset).toBe(produced.lastBatchBase + 50n);
        expect(quiet.entries.filter((e) => e.level === "warn" || e.level === "error")).toEqual([]);
        again.abandon();
      });
    }
  }

  it("a file cut exactly on a batch boundary after a clean stop is whole: nothing is cut or reported", async () => {
    const temp = tempDir("torn");
    cleanups.push(temp.remove);
    const produced = await produce(temp.dir, "clean");
    cutFile(segmentPath(temp.dir, 0), produced.lastBatchStart);
    const { log, logger } = openReal(temp.dir);
    expect(log.logEndOffset).toBe(produced.lastBatchBase);
    expect(logger.entries.filter((e) => e.msg === "recovery truncated the log")).toEqual([]);
    expect(log.append(numberedBatch(1, 1)).baseOffset).toBe(produced.lastBatchBase);
    log.abandon();
  });

  it("garbage appended after the last batch of a cleanly closed log is cut", async () => {
    const temp = tempDir("torn");
    cleanups.push(temp.remove);
    const produced = await produce(temp.dir, "clean");
    const { appendFileSync } = await import("node:fs");
    appendFileSync(segmentPath(temp.dir, 0), new Uint8Array(5000).fill(0xab));
    const { log, logger } = openReal(temp.dir);
    expect(log.logEndOffset).toBe(BigInt(BATCHES * PER_BATCH));
    expect(fileSize(segmentPath(temp.dir, 0))).toBe(produced.size);
    expect(logger.entries.find((e) => e.msg === "recovery truncated the log")).toMatchObject({ truncatedBytes: 5000 });
    log.abandon();
  });
});
