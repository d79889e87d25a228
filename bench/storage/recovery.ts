// Recovery section: how long PartitionLog.open takes for a 1 GiB active segment (segment.bytes 2^31-1)
//
// - after a crash with no checkpoint: abandon() then delete partition.checkpoint, so open must rescan the
//   segment from byte 0, checking every batch's CRC32C in WASM and rebuilding the indexes;
// - after a clean close(): open must trust the files and read only the segment's tail (milliseconds).
//
// The first crash is the real one, right after appending with flush off: its open also fdatasyncs the
// recovered gigabyte, still dirty in the page cache, so a counting FileSystem splits that time out. Later
// crash repetitions reuse the same (now durable) files: close cleanly, time the clean open, abandon, delete
// the checkpoint, time the recovering open. The reference next to each scan is the physical floor: read the
// file in the same 8 MiB chunks and CRC32C every byte with the same WASM core.
import { closeSync, openSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { crc32c } from "../../src/core/index.js";
import { CHECKPOINT_FILE } from "../../src/storage/checkpoint.js";
import { PartitionLog } from "../../src/storage/index.js";
import type { Row } from "../lib/report.js";
import {
  batchesFor,
  GiB,
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

const CHUNK = 8 * MiB;
const GB = 1e9;

interface OpenTiming {
  seconds: number;
  syncSeconds: number;
  readBytes: number;
}

/**
 * Reads the file in CHUNK pieces, optionally CRC32C-ing each. `freshBuffers` allocates a new chunk buffer per
 * read, as recovery does today, instead of reusing one: the difference is what those allocations cost.
 */
function referenceScan(path: string, withCrc: boolean, freshBuffers = false): { seconds: number; bytes: number } {
  const fd = openSync(path, "r");
  let buffer = new Uint8Array(CHUNK);
  let bytes = 0;
  let sink = 0;
  try {
    const start = now();
    for (;;) {
      if (freshBuffers) buffer = new Uint8Array(CHUNK);
      const n = readSync(fd, buffer, 0, CHUNK, bytes);
      if (n === 0) break;
      if (withCrc) sink ^= crc32c(n === CHUNK ? buffer : buffer.subarray(0, n));
      bytes += n;
    }
    const seconds = secondsSince(start);
    if (sink === 0.5) progress("unreachable"); // keeps the CRC from being optimized away
    return { seconds, bytes };
  } finally {
    closeSync(fd);
  }
}

export async function recoverySection(root: TempRoot, pool: BatchPool): Promise<{ rows: Row[]; notes: string[] }> {
  const reps = repsOverride ?? 5;
  const dir = root.sub("recovery");
  const counters = new FsCounters();
  const fs = countingFileSystem(counters);
  const config = { segmentBytes: 2 ** 31 - 1, flushMs: 2 ** 31 };
  const target = batchesFor(pool, Math.round(1 * GiB * scale));
  const expectedEnd = BigInt(target.count * pool.recordsPerBatch);
  const suspicious: string[] = [];
  let log: PartitionLog | undefined;

  const timedOpen = (): OpenTiming => {
    settle();
    counters.reset();
    const start = now();
    log = PartitionLog.open({ dir, config, logger: quietLogger, fs });
    const seconds = secondsSince(start);
    if (log.segments.length !== 1 || log.sizeInBytes !== target.bytes || log.logEndOffset !== expectedEnd) {
      suspicious.push(
        `open found ${log.segments.length} segment(s), ${log.sizeInBytes} bytes, log end ${log.logEndOffset}; ` +
          `expected 1, ${target.bytes}, ${expectedEnd}`,
      );
    }
    return { seconds, syncSeconds: counters.syncSeconds, readBytes: counters.readBytes };
  };
  const crash = () => {
    log!.abandon();
    log = undefined;
    rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  };

  try {
    log = PartitionLog.open({ dir, config, logger: quietLogger, fs });
    progress(`recovery: appending ${(target.bytes / MiB).toFixed(0)} MiB to one segment (flush off)`);
    const appendStart = now();
    for (let i = 0; i < target.count; i++) log.append(pool.batches[i % pool.batches.length]!);
    progress(`recovery: appended in ${secondsSince(appendStart).toFixed(2)} s; crashing (abandon, no checkpoint)`);
    const segmentPath = log.activeSegment.files.log;
    crash();

    const dirty = timedOpen();
    progress(
      `recovery: open after crash (dirty page cache) ${dirty.seconds.toFixed(2)} s, of which fsync ${dirty.syncSeconds.toFixed(2)} s`,
    );

    const clean: OpenTiming[] = [];
    const crashed: OpenTiming[] = [];
    const refCrc: number[] = [];
    const refRead: number[] = [];
    const refFresh: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      await log!.close();
      log = undefined;
      const c = timedOpen();
      clean.push(c);
      crash();
      const r = timedOpen();
      crashed.push(r);
      settle();
      const withCrc = referenceScan(segmentPath, true);
      const plain = referenceScan(segmentPath, false);
      settle();
      const fresh = referenceScan(segmentPath, true, true);
      refCrc.push(withCrc.seconds);
      refRead.push(plain.seconds);
      refFresh.push(fresh.seconds);
      progress(
        `recovery rep ${rep + 1}/${reps}: clean open ${(c.seconds * 1000).toFixed(1)} ms (read ${c.readBytes} B); ` +
          `crash open ${r.seconds.toFixed(3)} s (fsync ${r.syncSeconds.toFixed(3)} s); ` +
          `reference read+crc ${withCrc.seconds.toFixed(3)} s, read ${plain.seconds.toFixed(3)} s, ` +
          `fresh buffers+crc ${fresh.seconds.toFixed(3)} s`,
      );
    }

    const bytes = target.bytes;
    const gbps = (s: number) => bytes / s / GB;
    const crashS = summarize(crashed.map((t) => t.seconds));
    const crashScanS = summarize(crashed.map((t) => t.seconds - t.syncSeconds));
    const crcS = summarize(refCrc);
    const readS = summarize(refRead);
    const freshS = summarize(refFresh);
    const cleanMs = summarize(clean.map((t) => t.seconds * 1000));
    const ratio = summarize(crashed.map((t, i) => refCrc[i]! / t.seconds));
    const size = `${(bytes / GiB).toFixed(2)} GiB`;
    const rows: Row[] = [
      {
        group: "recovery",
        name: `open after crash, ${size}, right after the appends (dirty page cache)`,
        value: dirty.seconds,
        unit: "s",
        min: dirty.seconds,
        max: dirty.seconds,
        reps: 1,
        GBps: gbps(dirty.seconds),
        fsyncSeconds: dirty.syncSeconds,
        scanGBps: gbps(dirty.seconds - dirty.syncSeconds),
        vsReference: "",
      },
      {
        group: "recovery",
        name: `open after crash, ${size} already on disk (full rescan)`,
        value: crashS.median,
        unit: "s",
        min: crashS.min,
        max: crashS.max,
        reps: crashS.n,
        GBps: gbps(crashS.median),
        fsyncSeconds: summarize(crashed.map((t) => t.syncSeconds)).median,
        scanGBps: gbps(crashScanS.median),
        vsReference: ratioText(ratio),
      },
      {
        group: "recovery",
        name: "reference: readSync 8 MiB chunks + crc32c (WASM) of every byte",
        value: crcS.median,
        unit: "s",
        min: crcS.min,
        max: crcS.max,
        reps: crcS.n,
        GBps: gbps(crcS.median),
        vsReference: "1 (ref)",
      },
      {
        group: "recovery",
        name: "diagnostic: as the reference, but a new 8 MiB buffer per chunk (as recovery allocates)",
        value: freshS.median,
        unit: "s",
        min: freshS.min,
        max: freshS.max,
        reps: freshS.n,
        GBps: gbps(freshS.median),
        vsReference: ratioText(summarize(refFresh.map((s, i) => refCrc[i]! / s))),
      },
      {
        group: "recovery",
        name: "reference: readSync 8 MiB chunks only",
        value: readS.median,
        unit: "s",
        min: readS.min,
        max: readS.max,
        reps: readS.n,
        GBps: gbps(readS.median),
        vsReference: "",
      },
      {
        group: "recovery",
        name: `open after clean close, ${size}`,
        value: cleanMs.median,
        unit: "ms",
        min: cleanMs.min,
        max: cleanMs.max,
        reps: cleanMs.n,
        fsyncSeconds: summarize(clean.map((t) => t.syncSeconds)).median,
        readKiB: summarize(clean.map((t) => t.readBytes / 1024)).median,
        vsReference: "",
      },
    ];
    const notes = [
      `recovery: ${size} in one segment, page cache warm (the benchmark cannot drop caches), so these are CPU/copy ` +
        `costs, not disk reads. The dirty-cache crash is 1 rep by construction (it is the crash right after the ` +
        `appends); its fsyncSeconds is the open's own fdatasync of the recovered data. Full-rescan reps (${reps}) crash a ` +
        `log reopened over the same files; vsReference = reference read+CRC time / open time, per rep.`,
      `recovery: GBps = 10^9 B/s of log scanned; scanGBps excludes the time spent in fsync calls during open.`,
      ...suspicious.map((s) => `recovery: SUSPICIOUS ${s}`),
    ];
    return { rows, notes };
  } finally {
    log?.abandon();
    removeTree(dir);
  }
}
