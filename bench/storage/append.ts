// Append section: PartitionLog throughput under each flush policy, each next to the physical reference that
// does the same I/O with nothing else (positional fs.writeSync of the same batches into one file, with the
// same fsync policy), plus references that replay the log's own I/O pattern (segment rolls, index entries,
// three fsyncs per flush) with plain fs calls, which split a gap into "I/O pattern" and "engine code".
// Every repetition runs every variant, one after another, into a fresh directory deleted right after, so a
// noisy stretch of the machine hits log and reference alike; ratios are taken per repetition (variant vs
// the reference run in the same repetition) and then summarized.
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { promisify } from "node:util";
import { PartitionLog, type LogConfig } from "../../src/storage/index.js";
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

const FLUSH_OFF_MS = 2 ** 31; // far beyond any run: never by time; flushMessages keeps its default (never)

interface RunResult {
  seconds: number;
  bytes: number;
  batches: number;
  /** fsyncs the variant asked for (the log's flushes, or the reference's fdatasyncs). */
  fsyncs: number;
}

interface Variant {
  key: string;
  name: string;
  /** Key of the physical reference this variant is compared with (absent: it is a reference). */
  reference?: string;
  /** 256 or 512 MiB class: per-batch fsync variants write less. */
  volume: "large" | "small";
  run(dir: string, pool: BatchPool, count: number): Promise<RunResult>;
}

/** Positional writes of the pool's batches into one file; `syncEveryMs` 0 fsyncs after every batch. */
async function plainWrite(dir: string, pool: BatchPool, count: number, syncEveryMs?: number): Promise<RunResult> {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, "plain.log"), "w");
  let fsyncs = 0;
  let position = 0;
  try {
    let lastSync = now();
    const start = now();
    for (let i = 0; i < count; i++) {
      const batch = pool.batches[i % pool.batches.length]!;
      const n = writeSync(fd, batch, 0, batch.length, position);
      if (n !== batch.length) throw new Error(`short write: ${n} of ${batch.length}`);
      position += n;
      if (syncEveryMs !== undefined && now() - lastSync >= syncEveryMs) {
        lastSync = now();
        fdatasyncSync(fd);
        fsyncs++;
      }
    }
    return { seconds: secondsSince(start), bytes: position, batches: count, fsyncs };
  } finally {
    closeSync(fd);
  }
}

/**
 * The I/O log.append does with flush off, without the log: a new .log/.index/.timeindex trio every 128 MiB
 * (the default segment.bytes) with a directory fsync, and an 8-byte index entry after every batch (batches
 * are larger than index.interval.bytes). Splits the flush-off gap into I/O pattern and engine code.
 */
async function plainRolledPattern(dir: string, pool: BatchPool, count: number): Promise<RunResult> {
  mkdirSync(dir, { recursive: true });
  const segmentBytes = 128 * MiB;
  const fds: number[] = [];
  const entry = new Uint8Array(8);
  let total = 0;
  let fsyncs = 0;
  try {
    let data = -1;
    let index = -1;
    let position = 0;
    let indexPosition = 0;
    const roll = (base: number) => {
      const name = String(base).padStart(20, "0");
      [data, index] = [".log", ".index", ".timeindex"].map((suffix) => {
        fds.push(openSync(join(dir, name + suffix), "w"));
        return fds[fds.length - 1]!;
      }) as [number, number];
      const dirFd = openSync(dir, "r");
      fsyncSync(dirFd);
      closeSync(dirFd);
      position = 0;
      indexPosition = 0;
    };
    roll(0); // as PartitionLog.open does, before the clock starts
    const start = now();
    for (let i = 0; i < count; i++) {
      const batch = pool.batches[i % pool.batches.length]!;
      if (position + batch.length > segmentBytes) {
        roll(i * pool.recordsPerBatch);
        fsyncs++;
      }
      position += writeSync(data, batch, 0, batch.length, position);
      indexPosition += writeSync(index, entry, 0, entry.length, indexPosition);
      total += batch.length;
    }
    return { seconds: secondsSince(start), bytes: total, batches: count, fsyncs };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

const fdatasyncAsync = promisify(fdatasync);

/**
 * The I/O appendDurable does per batch, without the log: the batch into the data file, an 8-byte entry into
 * an index file, then fdatasync of data, index and a third (time index) file in parallel on the libuv pool.
 * Tells whether a gap between appendDurable and one-file fsync is the engine's code or its I/O pattern.
 */
async function plainLogPattern(dir: string, pool: BatchPool, count: number): Promise<RunResult> {
  mkdirSync(dir, { recursive: true });
  const fds = ["plain.log", "plain.index", "plain.timeindex"].map((name) => openSync(join(dir, name), "w"));
  const [data, index] = fds as [number, number, number];
  const entry = new Uint8Array(8);
  let position = 0;
  try {
    const start = now();
    for (let i = 0; i < count; i++) {
      const batch = pool.batches[i % pool.batches.length]!;
      position += writeSync(data, batch, 0, batch.length, position);
      writeSync(index, entry, 0, entry.length, i * entry.length);
      await Promise.all(fds.map((fd) => fdatasyncAsync(fd)));
    }
    return { seconds: secondsSince(start), bytes: position, batches: count, fsyncs: count };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

async function logAppend(
  dir: string,
  pool: BatchPool,
  count: number,
  config: Partial<LogConfig>,
  mode: "plain" | "interval-awaited" | "interval-background" | "durable",
): Promise<RunResult> {
  const log = PartitionLog.open({ dir, config, logger: quietLogger });
  let fsyncs = 0;
  let bytes = 0;
  try {
    let pending: Promise<void> | undefined;
    const start = now();
    for (let i = 0; i < count; i++) {
      const batch = pool.batches[i % pool.batches.length]!;
      bytes += batch.length;
      if (mode === "durable") {
        await log.appendDurable(batch);
        fsyncs++;
        continue;
      }
      log.append(batch);
      if (mode === "plain") continue;
      const flush = log.maybeFlush();
      if (flush) fsyncs++;
      if (mode === "interval-awaited") {
        if (flush) await flush;
      } else {
        // A shard serves one produce request per event-loop turn and lets the fsync finish on the pool.
        if (flush) {
          flush.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
          pending = flush;
        }
        await nextTurn();
      }
    }
    const seconds = secondsSince(start);
    await pending; // after the clock: data written in the last flush.ms is not yet due
    return { seconds, bytes, batches: count, fsyncs };
  } finally {
    log.deleteFiles(); // abandon() + remove: deleting drops the dirty pages, no 512 MiB writeback
  }
}

const variants: Variant[] = [
  { key: "plain", name: "plain writeSync (reference)", volume: "large", run: (d, p, n) => plainWrite(d, p, n) },
  {
    key: "off",
    name: "log.append, flush off",
    reference: "plain",
    volume: "large",
    run: (d, p, n) => logAppend(d, p, n, { flushMs: FLUSH_OFF_MS }, "plain"),
  },
  {
    key: "plainRolled",
    name: "plain, the log's flush-off I/O: 128 MiB segments + dir fsync, 8 B index write per batch (reference)",
    reference: "plain",
    volume: "large",
    run: (d, p, n) => plainRolledPattern(d, p, n),
  },
  {
    key: "plainInterval",
    name: "plain writeSync + fdatasync every 1 s (reference)",
    volume: "large",
    run: (d, p, n) => plainWrite(d, p, n, 1000),
  },
  {
    key: "interval",
    name: "log.append + maybeFlush awaited (flush.ms 1000)",
    reference: "plainInterval",
    volume: "large",
    run: (d, p, n) => logAppend(d, p, n, { flushMs: 1000 }, "interval-awaited"),
  },
  {
    key: "intervalBg",
    name: "log.append + maybeFlush not awaited, 1 batch/event-loop turn (flush.ms 1000)",
    reference: "plainInterval",
    volume: "large",
    run: (d, p, n) => logAppend(d, p, n, { flushMs: 1000 }, "interval-background"),
  },
  {
    key: "plainInterval100",
    name: "plain writeSync + fdatasync every 100 ms (reference)",
    volume: "large",
    run: (d, p, n) => plainWrite(d, p, n, 100),
  },
  {
    key: "interval100",
    name: "log.append + maybeFlush awaited (flush.ms 100)",
    reference: "plainInterval100",
    volume: "large",
    run: (d, p, n) => logAppend(d, p, n, { flushMs: 100 }, "interval-awaited"),
  },
  {
    key: "plainBatch",
    name: "plain writeSync + fdatasync per batch (reference)",
    volume: "small",
    run: (d, p, n) => plainWrite(d, p, n, 0),
  },
  {
    key: "plainPattern",
    name: "plain, the log's per-batch I/O: + 8 B index write, 3 parallel async fdatasyncs (reference)",
    reference: "plainBatch",
    volume: "small",
    run: (d, p, n) => plainLogPattern(d, p, n),
  },
  {
    key: "durable",
    name: "log.appendDurable per batch",
    reference: "plainBatch",
    volume: "small",
    run: (d, p, n) => logAppend(d, p, n, { flushMs: FLUSH_OFF_MS }, "durable"),
  },
];

export async function appendSection(root: TempRoot, pool: BatchPool): Promise<{ rows: Row[]; notes: string[] }> {
  const reps = repsOverride ?? 11;
  const large = batchesFor(pool, Math.round(512 * MiB * scale));
  const small = batchesFor(pool, Math.round(256 * MiB * scale));
  const results = new Map<string, RunResult[]>(variants.map((v) => [v.key, []]));

  // Rep 0 is a warm-up, not recorded: the first passes over fresh page-cache memory run ~20% slower.
  for (let rep = 0; rep <= reps; rep++) {
    // Alternate the order so that whatever one variant leaves behind (writeback, a warm cache) is not
    // always inherited by the same neighbour.
    const order = rep % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const dir = root.sub(variant.key);
      const { count } = variant.volume === "large" ? large : small;
      settle();
      let result: RunResult;
      try {
        result = await variant.run(dir, pool, count);
      } finally {
        removeTree(dir);
      }
      if (rep > 0) results.get(variant.key)!.push(result);
      progress(
        `append ${rep === 0 ? "warm-up" : `rep ${rep}/${reps}`} ${variant.key}: ${(result.bytes / MiB).toFixed(0)} MiB in ${result.seconds.toFixed(2)} s ` +
          `= ${(result.bytes / result.seconds / MB).toFixed(0)} MB/s, ${result.fsyncs} fsyncs`,
      );
    }
  }

  const mbps = (r: RunResult) => r.bytes / r.seconds / MB;
  const paired = (key: string, refKey: string) => {
    const mine = results.get(key)!;
    const ref = results.get(refKey)!;
    return summarize(mine.map((r, i) => mbps(r) / mbps(ref[i]!)));
  };
  const rows: Row[] = [];
  for (const variant of variants) {
    const runs = results.get(variant.key)!;
    const speed = summarize(runs.map(mbps));
    const row: Row = {
      group: "append",
      name: variant.name,
      value: speed.median,
      unit: "MB/s",
      min: speed.min,
      max: speed.max,
      reps: speed.n,
      batchesPerSec: summarize(runs.map((r) => r.batches / r.seconds)).median,
      MiB: runs[0]!.bytes / MiB,
      fsyncs: summarize(runs.map((r) => r.fsyncs)).median,
      vsReference: variant.reference ? ratioText(paired(variant.key, variant.reference)) : "1 (ref)",
      vsPlainWrite: variant.key === "plain" ? "1 (ref)" : ratioText(paired(variant.key, "plain")),
    };
    rows.push(row);
  }
  const off = paired("off", "plain");
  const durableVsPattern = paired("durable", "plainPattern");
  const offVsPattern = paired("off", "plainRolled");
  const runSeconds = summarize(results.get("interval")!.map((r) => r.seconds)).median;
  const notes = [
    `append: batches of ${pool.recordsPerBatch} records x 100-byte values, ${pool.batches.length} distinct pre-encoded batches ` +
      `(mean ${(pool.meanBytes / 1024).toFixed(1)} KiB); ${(large.bytes / MiB).toFixed(0)} MiB per run for the page-cache and ` +
      `interval variants, ${(small.bytes / MiB).toFixed(0)} MiB for the per-batch fsync variants; value = median MB/s (10^6 B) ` +
      `over ${reps} reps after one warm-up rep, min-max beside it; ratios are per-rep pairs (variant / the reference run in ` +
      `the same rep), median (min-max); fsyncs = median flushes (log) or fdatasyncs (reference) per run.`,
    `append: target flush off >= 0.8x plain write: ${off.median >= 0.8 ? "MET" : "NOT MET"} (median ${off.median.toFixed(3)}, ` +
      `reps ${off.min.toFixed(2)}-${off.max.toFixed(2)}).`,
    `append: a flush.ms 1000 run lasts ${runSeconds.toFixed(2)} s (median), so it ${runSeconds < 1 ? "flushes at most once and measures nearly the same thing as flush off; " : ""}` +
      `the flush.ms 100 pair shows what an interval fsync costs inside a run this short. The not-awaited variant yields ` +
      `one event-loop turn (setImmediate) per batch, as a shard serving one produce per turn would; that yield is part of its cost.`,
    `append: the log rolls segments at the default segment.bytes (128 MiB), fsyncing the directory on each roll, and ` +
      `writes an index entry per batch; the plain references write one file. Each log variant against its own I/O ` +
      `pattern done with plain fs calls (what is left is engine code): flush off ${ratioText(offVsPattern)}, ` +
      `appendDurable ${ratioText(durableVsPattern)}.`,
  ];
  return { rows, notes };
}
