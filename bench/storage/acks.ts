// Acks section: what acks=all costs against acks=1, measured side by side through the shard's own produce
// path (Partition.produce + the shard's GroupCommit) on the real file system, with every fsync counted
// through the storage seam. Next to it, the machine's raw fdatasync latency (4 KiB write + fdatasync on
// one file, p50/p99), which bounds how many group-commit rounds a second the disk allows.
//
// Workload: PARTITIONS partitions, PRODUCERS concurrent producers (each sends one batch of RECORDS records
// of 100 bytes and waits for its acknowledgement before sending the next, as a producer with one request in
// flight does), for SECONDS per mode. Modes alternate within each repetition so a noisy stretch of the
// machine hits both alike.
import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { GroupCommit } from "../../src/shard/group-commit.js";
import { Partition } from "../../src/shard/partition.js";
import type { Acks } from "../../src/shard/protocol.js";
import { FileCache } from "../../src/storage/file-cache.js";
import type { Row } from "../lib/report.js";
import { makeBatchPool, now, progress, quietLogger, removeTree, repsOverride, scale, secondsSince, summarize, type TempRoot } from "./common.js";
import { countingFileSystem, FsCounters } from "./counting-fs.js";

const PARTITIONS = 4;
const PRODUCERS = 64;
const RECORDS = 16;
const SECONDS = Math.max(0.5, 3 * scale);

interface ModeResult {
  acksPerSecond: number;
  recordsPerSecond: number;
  fsyncsPerSecond: number;
  fsyncsPerAck: number;
  rounds: number;
}

async function runMode(dir: string, acks: Acks, batches: Uint8Array[]): Promise<ModeResult> {
  const counters = new FsCounters();
  const fs = countingFileSystem(counters);
  const commits = new GroupCommit();
  const fileCache = new FileCache(64);
  mkdirSync(dir, { recursive: true });
  const parts = Array.from({ length: PARTITIONS }, (_, p) =>
    Partition.open("bench", p, join(dir, `bench-${p}`), {}, fs, quietLogger, { commits, fileCache }),
  );
  counters.reset();
  let acked = 0;
  let stop = false;
  const start = now();
  const producer = async (id: number) => {
    const part = parts[id % PARTITIONS]!;
    for (let i = 0; !stop; i++) {
      // The log stamps the batch in place; a copy keeps the pool reusable across producers.
      const { durable } = part.produce(batches[(id + i) % batches.length]!.slice(), acks);
      if (durable) await durable;
      else await new Promise<void>((resolve) => setImmediate(resolve)); // acks=1: answered, next request
      acked++;
    }
  };
  const timer = setTimeout(() => (stop = true), SECONDS * 1000);
  await Promise.all(Array.from({ length: PRODUCERS }, (_, id) => producer(id)));
  clearTimeout(timer);
  const seconds = secondsSince(start);
  const fsyncs = counters.syncs;
  for (const part of parts) await part.close();
  removeTree(dir);
  return {
    acksPerSecond: acked / seconds,
    recordsPerSecond: (acked * RECORDS) / seconds,
    fsyncsPerSecond: fsyncs / seconds,
    fsyncsPerAck: fsyncs / acked,
    rounds: commits.rounds,
  };
}

/** The disk's own fdatasync latency: 4 KiB appended then fdatasync, on one file, for `seconds`. */
function rawFdatasync(dir: string, seconds: number): { p50: number; p99: number; perSecond: number } {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, "raw"), "w");
  const block = new Uint8Array(4096).fill(7);
  const samples: number[] = [];
  const start = now();
  let position = 0;
  try {
    while (secondsSince(start) < seconds) {
      writeSync(fd, block, 0, block.length, position);
      position += block.length;
      const t = performance.now();
      fdatasyncSync(fd);
      samples.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    removeTree(dir);
  }
  samples.sort((a, b) => a - b);
  const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: pick(0.5), p99: pick(0.99), perSecond: samples.length / secondsSince(start) };
}

export async function acksSection(root: TempRoot): Promise<{ rows: Row[]; notes: string[] }> {
  const reps = repsOverride ?? 3;
  const pool = makeBatchPool(32, RECORDS, 100);
  const all: ModeResult[] = [];
  const one: ModeResult[] = [];
  for (let rep = 0; rep < reps; rep++) {
    all.push(await runMode(root.sub("acks-all"), -1, pool.batches));
    one.push(await runMode(root.sub("acks-1"), 1, pool.batches));
    progress(`acks rep ${rep + 1}/${reps}: all ${Math.round(all[rep]!.recordsPerSecond)} rec/s, 1 ${Math.round(one[rep]!.recordsPerSecond)} rec/s`);
  }
  const raw = rawFdatasync(root.sub("raw-fsync"), Math.max(1, 3 * scale));
  const median = (rs: ModeResult[], key: keyof ModeResult) => summarize(rs.map((r) => r[key])).median;
  const ratio = summarize(all.map((r, i) => r.recordsPerSecond / one[i]!.recordsPerSecond));
  const rows: Row[] = [];
  for (const [name, rs] of [["acks=all", all], ["acks=1", one]] as const) {
    rows.push({
      group: "acks",
      name: `${name}: ${PRODUCERS} producers, ${PARTITIONS} partitions, ${RECORDS} x 100 B per batch`,
      value: median(rs, "recordsPerSecond"),
      unit: "records/s",
      acksPerSecond: Math.round(median(rs, "acksPerSecond")),
      fsyncsPerSecond: Math.round(median(rs, "fsyncsPerSecond")),
      fsyncsPerAck: Number(median(rs, "fsyncsPerAck").toFixed(4)),
      groupCommitRounds: Math.round(median(rs, "rounds")),
      reps: rs.length,
    });
  }
  rows.push({
    group: "acks",
    name: "acks=all / acks=1 throughput (per repetition, median)",
    value: Number(ratio.median.toFixed(3)),
    unit: "ratio",
    min: Number(ratio.min.toFixed(3)),
    max: Number(ratio.max.toFixed(3)),
  });
  rows.push({
    group: "acks",
    name: "raw fdatasync after a 4 KiB write (one file, this disk)",
    value: Number(raw.p50.toFixed(3)),
    unit: "ms p50",
    p99ms: Number(raw.p99.toFixed(3)),
    perSecond: Math.round(raw.perSecond),
  });
  const notes = [
    `acks=all answers after a group-committed fdatasync (one round per shard at a time, one fdatasync per partition written in the round); acks=1 after the write reaches the OS page cache. ${SECONDS} s per mode per repetition.`,
  ];
  return { rows, notes };
}
