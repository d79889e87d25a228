// Shared pieces of the storage benchmark: the batch pool (built before any timed loop), a temp root that is
// removed however the process ends, a clock, repetition statistics and progress lines on stderr.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeRecordBatch, type RecordInput } from "../../src/core/index.js";
import { createLogger } from "../../src/log.js";

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
/** Throughputs are reported in MB/s of 10^6 bytes, as disk tools report them. */
export const MB = 1e6;

/** Logs print errors only: a roll's info line or a recovery warning must not interleave with the table. */
export const quietLogger = createLogger({ level: "error" });

/** Knobs for a quick run (profiling): STORAGE_BENCH_SCALE=0.125 shrinks every volume, _REPS overrides reps. */
export const scale = Number(process.env.STORAGE_BENCH_SCALE ?? "1");
export const repsOverride = process.env.STORAGE_BENCH_REPS ? Number(process.env.STORAGE_BENCH_REPS) : undefined;

export function progress(message: string): void {
  process.stderr.write(`[storage] ${message}\n`);
}

export { now, secondsSince, settle } from "../lib/timing.js";

export interface BatchPool {
  batches: Uint8Array[];
  /** Mean encoded size. */
  meanBytes: number;
  recordsPerBatch: number;
}

/**
 * `count` distinct uncompressed batches of `records` records with `valueBytes`-byte pseudo-random values and
 * short keys. The log stamps base offset and leader epoch in place (outside the CRC), so reusing them is fine.
 */
export function makeBatchPool(count = 64, records = 1000, valueBytes = 100): BatchPool {
  let seed = 0x9e3779b9;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  // Current timestamps: segment.ms rolls on the first batch's max timestamp, so records older than 7 days
  // would roll a new segment for every batch.
  const baseTime = Date.now();
  const batches: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    const input: RecordInput[] = [];
    for (let r = 0; r < records; r++) {
      const value = new Uint8Array(valueBytes);
      for (let i = 0; i < valueBytes; i++) value[i] = next() >>> 24;
      input.push({ key: `k${String(b * records + r).padStart(7, "0")}`, value, timestamp: baseTime + b * records + r });
    }
    batches.push(encodeRecordBatch(input));
  }
  const meanBytes = batches.reduce((sum, batch) => sum + batch.length, 0) / count;
  return { batches, meanBytes, recordsPerBatch: records };
}

/** How many batches of the pool, taken in order, add up to at least `bytes`, and their total size. */
export function batchesFor(pool: BatchPool, bytes: number): { count: number; bytes: number } {
  let total = 0;
  let count = 0;
  while (total < bytes) total += pool.batches[count++ % pool.batches.length]!.length;
  return { count, bytes: total };
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** "0.812 (0.79-0.85)" for a ratio summary. */
export function ratioText(s: Summary): string {
  return s.n > 1 ? `${s.median.toFixed(3)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})` : s.median.toFixed(3);
}

/**
 * A directory under os.tmpdir() for the whole run. It is removed by `remove()`, and also on exit, on
 * SIGINT/SIGTERM and on an uncaught error, so a failed run never leaves gigabytes behind.
 */
export class TempRoot {
  readonly path: string;
  private removed = false;

  constructor(prefix = "rivulet-storage-bench-") {
    this.path = mkdtempSync(join(tmpdir(), prefix));
    const onSignal = (signal: NodeJS.Signals) => {
      this.remove();
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("exit", () => this.remove());
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }

  /** A fresh, not yet existing path under the root. */
  sub(name: string): string {
    return join(this.path, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    rmSync(this.path, { recursive: true, force: true });
  }
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
