// Shared pieces of the broker benchmark: the built code it drives (dist/, see below), the batch pool (built
// before any timed loop), per-cell temp directories, a clock, medians and progress lines on stderr.
//
// Why dist/: a shard is a piscina worker that always runs dist/shard/worker.js, found relative to the
// ShardPool module (`../../dist/shard/worker.js`). Compiled into build/bench/src/broker/ that path points
// at build/bench/dist/, which does not exist, so the broker is loaded from dist/ at run time (types still
// come from src/). Everything measured in-process (validate, append) is loaded from dist/ too, so the main
// thread and the workers run the same build. `npm run build:ts` first; a stale dist/ is reported.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as ClusterModule from "../../src/broker/index.js";
import type * as CoreModule from "../../src/core/index.js";
import type * as StorageModule from "../../src/storage/index.js";
import type * as LogModule from "../../src/log.js";

/** The repository root: this file runs as build/bench/bench/broker/common.js. */
export const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));

async function loadDist<T>(path: string): Promise<T> {
  return (await import(new URL(path, new URL(`file://${repoRoot}`)).href)) as T;
}

export const cluster = await loadDist<typeof ClusterModule>("dist/broker/index.js");
export const core = await loadDist<typeof CoreModule>("dist/core/index.js");
export const storage = await loadDist<typeof StorageModule>("dist/storage/index.js");
const log = await loadDist<typeof LogModule>("dist/log.js");

export type Broker = ClusterModule.Broker;

/** Logs print errors only: nothing may interleave with the table. */
export const quietLogger = log.createLogger({ level: "error" });

export const KiB = 1024;
export const MiB = 1024 * KiB;
/** Throughputs are reported in MB/s of 10^6 bytes. */
export const MB = 1e6;

/** flush.ms far beyond any run: the log never fsyncs by time (flush.messages keeps its default: never). */
export const FLUSH_OFF_MS = 3_600_000;

/** Volume factor (BROKER_BENCH_SCALE=0.1 for a profile run) and repetitions (BROKER_BENCH_REPS). */
export const scale = Number(process.env.BROKER_BENCH_SCALE ?? "1");
export const reps = Number(process.env.BROKER_BENCH_REPS ?? "5");

export function progress(message: string): void {
  process.stderr.write(`[broker] ${message}\n`);
}

export { now, secondsSince, settle } from "../lib/timing.js";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** "1.23 (1.10-1.31)": median and range of repetitions. */
export function spread(values: number[], digits = 2, unit = 1): string {
  const scaled = values.map((v) => v / unit);
  const text = median(scaled).toFixed(digits);
  return scaled.length > 1 ? `${text} (${Math.min(...scaled).toFixed(digits)}-${Math.max(...scaled).toFixed(digits)})` : text;
}

export interface BatchPool {
  batches: Uint8Array[];
  meanBytes: number;
  recordsPerBatch: number;
}

/**
 * `count` distinct uncompressed batches of `records` records with `valueBytes`-byte pseudo-random values and
 * 8-byte keys, producer id -1 (no idempotence, so resending a pool batch is a new append). Timestamps are
 * current: segment.ms rolls on record time. The broker copies (or is handed) each batch before stamping it,
 * so with transfer: false the pool is never modified.
 */
export function makeBatchPool(count: number, records: number, valueBytes: number): BatchPool {
  let seed = 0x2545f491;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const baseTime = Date.now();
  const batches: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    const input: CoreModule.RecordInput[] = [];
    for (let r = 0; r < records; r++) {
      const value = new Uint8Array(valueBytes);
      for (let i = 0; i < valueBytes; i++) value[i] = next() >>> 24;
      input.push({ key: `k${String(b * records + r).padStart(7, "0")}`, value, timestamp: baseTime + r });
    }
    batches.push(core.encodeRecordBatch(input));
  }
  const meanBytes = batches.reduce((sum, batch) => sum + batch.length, 0) / count;
  return { batches, meanBytes, recordsPerBatch: records };
}

/*
 * RecordBatch v2 header fields read here (big-endian):
 *
 *   0        8            12              17     21           23               57           61
 *   +--------+------------+-- ... --------+------+------------+---- ... --------+------------+
 *   | base   | batchLength| leaderEpoch,  | crc  | attributes | lastOffsetDelta | recordCount|
 *   | offset | (int32)    | magic         |      |            | (int32 at 23)   | (int32)    |
 *   +--------+------------+-- ... --------+------+------------+---- ... --------+------------+
 *
 * A batch occupies batchLength + 12 bytes.
 */
export interface ChunkCount {
  batches: number;
  records: number;
  /** Offset after the chunk's last batch (base offset + lastOffsetDelta + 1). */
  nextOffset: bigint;
}

/** Walks a fetched chunk of whole batches. Throws on a torn chunk: the fetch must return whole batches. */
export function countChunk(chunk: Uint8Array): ChunkCount {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let position = 0;
  let batches = 0;
  let records = 0;
  let nextOffset = -1n;
  while (position < chunk.length) {
    if (position + 61 > chunk.length) throw new Error(`torn batch header at ${position} of ${chunk.length}`);
    const size = view.getInt32(position + 8) + 12;
    if (position + size > chunk.length) throw new Error(`torn batch at ${position}: ${size} bytes of ${chunk.length - position}`);
    records += view.getInt32(position + 57);
    nextOffset = view.getBigInt64(position) + BigInt(view.getInt32(position + 23)) + 1n;
    batches++;
    position += size;
  }
  return { batches, records, nextOffset };
}

/** A fresh directory under os.tmpdir(); every one made is removed on exit and on SIGINT/SIGTERM too. */
const made = new Set<string>();
let hooked = false;
export function tempDir(prefix: string): string {
  if (!hooked) {
    hooked = true;
    const cleanAll = () => made.forEach(removeDir);
    process.once("exit", cleanAll);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        cleanAll();
        process.exit(signal === "SIGINT" ? 130 : 143);
      });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `rivulet-broker-bench-${prefix}-`));
  made.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

/** The parts of src/ a broker and its shards load (front ends and clients are not measured here). */
const BROKER_SOURCES = ["cluster", "shard", "storage", "core", "broker", "errors", "log.ts"];

/**
 * Broker source files changed since their build in dist/: the shards would not run this tree's code. Files
 * with no counterpart in dist/ (new, not yet built) are ignored.
 */
export function staleDistFiles(): string[] {
  const stale: string[] = [];
  const src = join(repoRoot, "src");
  const check = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) check(join(path, entry));
    } else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) {
      const built = join(repoRoot, "dist", path.slice(src.length).replace(/\.ts$/, ".js"));
      if (existsSync(built) && statSync(path).mtimeMs > statSync(built).mtimeMs) stale.push(path.slice(repoRoot.length));
    }
  };
  for (const part of BROKER_SOURCES) if (existsSync(join(src, part))) check(join(src, part));
  return stale;
}
