// Storage benchmark, end to end through PartitionLog on the real file system: append throughput under each
// flush policy, sequential reads from the page cache, open time after a crash and after a clean close, and
// acks=all against acks=1 through the shard's produce path with fsyncs counted (bench/storage/acks.ts).
// Every figure sits next to a physical reference measured in the same run (plain fs calls doing the same
// I/O), and the ratio is the headline: the machine is a noisy 2-core VM. Sections live in bench/storage/.
//
// Disk: everything goes under one temp directory in os.tmpdir(), removed at the end, on a signal or on a
// failure; at most ~1.1 GiB exists at once (the recovery section's 1 GiB segment and its indexes).
// Knobs: STORAGE_BENCH_SCALE (volume factor, e.g. 0.125 for a profile run), STORAGE_BENCH_REPS,
// STORAGE_BENCH_ONLY=append,read,recovery,acks (acks alone writes bench/results/storage-acks.json).
import { report, type Row } from "./lib/report.js";
import { acksSection } from "./storage/acks.js";
import { appendSection } from "./storage/append.js";
import { makeBatchPool, MiB, now, progress, scale, secondsSince, TempRoot } from "./storage/common.js";
import { readSection } from "./storage/read.js";
import { recoverySection } from "./storage/recovery.js";

const sections = { append: appendSection, read: readSection, recovery: recoverySection, acks: acksSection };
const only = process.env.STORAGE_BENCH_ONLY?.split(",").map((s) => s.trim());

const root = new TempRoot();
const started = now();
const rows: Row[] = [];
const notes: string[] = [];
try {
  progress(`temp root ${root.path}; scale ${scale}`);
  const pool = makeBatchPool(64, 1000, 100);
  progress(`pool: ${pool.batches.length} batches, mean ${(pool.meanBytes / MiB).toFixed(3)} MiB each`);
  for (const [name, run] of Object.entries(sections)) {
    if (only && !only.includes(name)) continue;
    const sectionStart = now();
    const result = await run(root, pool);
    rows.push(...result.rows);
    notes.push(...result.notes);
    progress(`${name} done in ${secondsSince(sectionStart).toFixed(1)} s`);
  }
} finally {
  root.remove();
}
notes.push(`total run time ${secondsSince(started).toFixed(0)} s; scale ${scale}`);
// The acks section alone (STORAGE_BENCH_ONLY=acks) has its own results file.
report(scale === 1 && !only ? "storage" : only?.join(",") === "acks" && scale === 1 ? "storage-acks" : "storage-partial", rows, notes);
