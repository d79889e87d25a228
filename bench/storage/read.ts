// Read section: a consumer catching up from the page cache. ~256 MiB is appended (flush off, default
// segment size, so the walk crosses segments), then read back with log.read(offset, 1 MiB), following
// offsets as a consumer does, against positional fs.readSync of exactly the same byte ranges of the segment
// files (each into a fresh buffer, as log.read returns one). An untimed first pass records those ranges and
// what the log asked of the file system to serve them.
//
//   batch header fields used (big-endian): baseOffset i64 @0 | batchLength i32 @8 (size = batchLength + 12)
//                                          lastOffsetDelta i32 @23
import { closeSync, openSync, readSync } from "node:fs";
import { PartitionLog } from "../../src/storage/index.js";
import type { Row } from "../lib/report.js";
import {
  batchesFor,
  MB,
  MiB,
  now,
  progress,
  quietLogger,
  ratioText,
  removeTree,
  repsOverride,
  scale,
  secondsSince,
  settle,
  summarize,
  type BatchPool,
  type TempRoot,
} from "./common.js";
import { countingFileSystem, FsCounters } from "./counting-fs.js";

const MAX_BYTES = 1 * MiB;
/** Each rep reads the whole log this many times per side (~50 ms per pass is too short alone). */
const PASSES = 4;

interface Range {
  segment: number;
  position: number;
  length: number;
}

/** The offset after the last batch of `records` (whole batches, as log.read returns them). */
function nextOffsetAfter(records: Uint8Array): bigint {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let at = 0;
  let last = 0;
  while (at < records.length) {
    last = at;
    at += view.getInt32(at + 8) + 12;
  }
  return view.getBigInt64(last) + BigInt(view.getInt32(last + 23)) + 1n;
}

/** Reads the whole log from `from` to its end; returns bytes read and read calls. */
function readLog(log: PartitionLog, from: bigint): { bytes: number; calls: number } {
  let offset = from;
  let bytes = 0;
  let calls = 0;
  for (;;) {
    const { records } = log.read(offset, MAX_BYTES);
    calls++;
    if (records.length === 0) return { bytes, calls };
    bytes += records.length;
    offset = nextOffsetAfter(records);
  }
}

/** Positional reads of `ranges`, each into a new buffer as log.read returns one, or all into one `reuse`d buffer. */
function readPlain(fds: number[], ranges: Range[], reuse?: Uint8Array): number {
  let bytes = 0;
  for (const r of ranges) {
    const buffer = reuse ?? new Uint8Array(r.length);
    let done = 0;
    while (done < r.length) {
      const n = readSync(fds[r.segment]!, buffer, done, r.length - done, r.position + done);
      if (n === 0) throw new Error("unexpected end of segment file");
      done += n;
    }
    bytes += done;
  }
  return bytes;
}

export async function readSection(root: TempRoot, pool: BatchPool): Promise<{ rows: Row[]; notes: string[] }> {
  const reps = repsOverride ?? 9;
  const dir = root.sub("read");
  const counters = new FsCounters();
  const target = batchesFor(pool, Math.round(256 * MiB * scale));
  const log = PartitionLog.open({ dir, config: { flushMs: 2 ** 31 }, logger: quietLogger, fs: countingFileSystem(counters) });
  const fds: number[] = [];
  try {
    progress(`read: appending ${(target.bytes / MiB).toFixed(0)} MiB`);
    for (let i = 0; i < target.count; i++) log.append(pool.batches[i % pool.batches.length]!);
    const from = log.logStartOffset;

    // Untimed planning pass: the byte ranges each read returned, and the file-system calls behind them.
    counters.reset();
    const ranges: Range[] = [];
    const positionInSegment = log.segments.map(() => 0);
    let offset = from;
    for (;;) {
      const { records } = log.read(offset, MAX_BYTES);
      if (records.length === 0) break;
      const first = new DataView(records.buffer, records.byteOffset).getBigInt64(0);
      if (first !== offset) throw new Error(`read at ${offset} started at batch ${first}: offsets are not contiguous`);
      const segment = log.segmentIndexFor(offset);
      ranges.push({ segment, position: positionInSegment[segment]!, length: records.length });
      positionInSegment[segment] = (positionInSegment[segment] ?? 0) + records.length;
      offset = nextOffsetAfter(records);
    }
    const plan = { reads: counters.reads, readBytes: counters.readBytes };
    const totalBytes = ranges.reduce((sum, r) => sum + r.length, 0);
    if (totalBytes !== log.sizeInBytes) throw new Error(`read back ${totalBytes} bytes of ${log.sizeInBytes}`);
    for (const segment of log.segments) fds.push(openSync(segment.files.log, "r"));

    // The three kinds of pass rotate within a rep, each timed on its own and summed per kind, so a burst of
    // contention from the rest of the machine lands on all of them.
    type Kind = "log" | "plain" | "reuse";
    const kinds: Kind[] = ["log", "plain", "reuse"];
    const seconds: Record<Kind, number[]> = { log: [], plain: [], reuse: [] };
    const reuse = new Uint8Array(MAX_BYTES);
    for (let rep = 0; rep < reps; rep++) {
      const total: Record<Kind, number> = { log: 0, plain: 0, reuse: 0 };
      settle();
      for (let pass = 0; pass < PASSES; pass++) {
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(rep + pass + k) % kinds.length]!;
          const start = now();
          const bytes = kind === "log" ? readLog(log, from).bytes : readPlain(fds, ranges, kind === "reuse" ? reuse : undefined);
          total[kind] += secondsSince(start);
          if (bytes !== totalBytes) throw new Error(`${kind} pass read ${bytes} bytes, expected ${totalBytes}`);
        }
      }
      for (const kind of kinds) seconds[kind].push(total[kind]);
      const rate = (kind: Kind) => ((PASSES * totalBytes) / total[kind] / MB).toFixed(0);
      progress(
        `read rep ${rep + 1}/${reps}: log.read ${rate("log")} MB/s, plain readSync ${rate("plain")} MB/s, ` +
          `into one reused buffer ${rate("reuse")} MB/s`,
      );
    }
    const logSeconds = seconds.log;
    const plainSeconds = seconds.plain;

    const speed = (seconds: number[]) => summarize(seconds.map((s) => (PASSES * totalBytes) / s / MB));
    const logSpeed = speed(logSeconds);
    const plainSpeed = speed(plainSeconds);
    const ratio = summarize(logSeconds.map((s, i) => plainSeconds[i]! / s));
    const reuseSpeed = speed(seconds.reuse);
    const ratioReuse = summarize(logSeconds.map((s, i) => seconds.reuse[i]! / s));
    const rows: Row[] = [
      {
        group: "read",
        name: "plain readSync of the same ranges (reference)",
        value: plainSpeed.median,
        unit: "MB/s",
        min: plainSpeed.min,
        max: plainSpeed.max,
        reps: plainSpeed.n,
        MiB: totalBytes / MiB,
        vsReference: "1 (ref)",
      },
      {
        group: "read",
        name: "floor: the same readSync calls into one reused 1 MiB buffer",
        value: reuseSpeed.median,
        unit: "MB/s",
        min: reuseSpeed.min,
        max: reuseSpeed.max,
        reps: reuseSpeed.n,
        MiB: totalBytes / MiB,
        vsReference: ratioText(summarize(seconds.reuse.map((s, i) => plainSeconds[i]! / s))),
      },
      {
        group: "read",
        name: "log.read(offset, 1 MiB), following offsets",
        value: logSpeed.median,
        unit: "MB/s",
        min: logSpeed.min,
        max: logSpeed.max,
        reps: logSpeed.n,
        MiB: totalBytes / MiB,
        vsReference: ratioText(ratio),
      },
    ];
    const notes = [
      `read: each measurement reads the log ${PASSES} times over; ${ranges.length} reads of up to 1 MiB over ${(totalBytes / MiB).toFixed(0)} MiB in ${log.segments.length} segment(s), ` +
        `all in the page cache; the reference does ${ranges.length} readSync calls of ${(totalBytes / MiB).toFixed(0)} MiB, ` +
        `log.read made ${plan.reads} file reads totalling ${(plan.readBytes / MiB).toFixed(1)} MiB ` +
        `(${(plan.readBytes / totalBytes).toFixed(2)}x the bytes it returned; the extra is batch-header walking).`,
      `read: the reference reads each range into a new buffer, as log.read returns one; log.read vs the reused-buffer ` +
        `floor: ${ratioText(ratioReuse)} (what a fresh 1 MiB allocation per read costs, on top of the engine's code).`,
    ];
    return { rows, notes };
  } finally {
    for (const fd of fds) closeSync(fd);
    log.deleteFiles();
    removeTree(dir);
  }
}
