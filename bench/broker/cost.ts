// Where a produced batch's time goes, each step measured on its own:
//   copy      new Uint8Array(batch) on the main thread (Broker's ownedCopy, transfer: false)
//   hop       broker.pingShard(): a task to a shard and its answer, nothing else (piscina + MessagePort)
//   validate  validateRecordBatch(batch, { strict: true }) in-process (the WASM pass a shard makes)
//   write     PartitionLog.append into a temp dir with flush off (the log's work and the write(2) into the
//             page cache)
//   total     broker.produce() with one batch in flight, transfer: false
// total - (copy + hop + validate + write) is what the rest of the path costs: structured clone of the task,
// the result's way back, the router's split and gather, promises and timers.
import { cluster, core, FLUSH_OFF_MS, median, now, percentile, quietLogger, removeDir, storage, tempDir, type BatchPool } from "./common.js";
import type { Row } from "../lib/report.js";

export interface CostResult {
  rows: Row[];
  notes: string[];
  /** Median µs per batch, by step. */
  micros: Record<"copy" | "hop" | "validate" | "write" | "total", number>;
}

/** Median of per-call µs over `samples` calls after `warmup` calls (each call timed alone). */
async function perCall(samples: number, warmup: number, call: (i: number) => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(i);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = now();
    await call(i);
    times.push((now() - start) * 1000);
  }
  return times;
}

/** Synchronous steps, timed in blocks of `block` calls (a single call is near the clock's resolution). */
function perBlock(blocks: number, block: number, call: (i: number) => unknown): number[] {
  for (let i = 0; i < block * 4; i++) call(i);
  const times: number[] = [];
  let i = 0;
  for (let b = 0; b < blocks; b++) {
    const start = now();
    for (let k = 0; k < block; k++) call(i++);
    times.push(((now() - start) * 1000) / block);
  }
  return times;
}

export async function costSection(pool: BatchPool, scale: number): Promise<CostResult> {
  const batches = pool.batches;
  const n = batches.length;
  const meanBytes = pool.meanBytes;
  const rows: Row[] = [];
  const notes: string[] = [];
  const row = (name: string, times: number[], extra: Record<string, string | number> = {}) =>
    rows.push({ group: "cost", name, value: median(times), unit: "µs/batch", p99: percentile(times, 99), samples: String(times.length), ...extra });

  // copy: the two spellings alternate in rounds (allocation and GC make a single run order-sensitive)
  const copyNew = (i: number) => new Uint8Array(batches[i % n]!);
  const copySet = (i: number) => {
    const batch = batches[i % n]!;
    const out = new Uint8Array(batch.length);
    out.set(batch);
    return out;
  };
  const copy: number[] = [];
  const copyAlt: number[] = [];
  for (let round = 0; round < 6; round++) {
    copy.push(...perBlock(Math.max(10, Math.round(50 * scale)), 16, copyNew));
    copyAlt.push(...perBlock(Math.max(10, Math.round(50 * scale)), 16, copySet));
  }
  row("copy: new Uint8Array(batch) (transfer: false)", copy, { "GB/s": meanBytes / median(copy) / 1000 });
  // The same copy spelled as allocate + set: a candidate for Broker's ownedCopy, measured for comparison.
  row("copy alternative: new Uint8Array(n).set(batch)", copyAlt, { "GB/s": meanBytes / median(copyAlt) / 1000 });

  // validate
  const validate = perBlock(Math.max(20, Math.round(200 * scale)), 16, (i) => core.validateRecordBatch(batches[i % n]!, { strict: true }));
  row("validate: validateRecordBatch strict (WASM)", validate, { "GB/s": meanBytes / median(validate) / 1000 });

  // write: the log alone, fresh copies (append stamps in place) made before the clock starts
  const logDir = tempDir("append");
  let write: number[];
  try {
    const log = storage.PartitionLog.open({ dir: logDir, config: { flushMs: FLUSH_OFF_MS }, logger: quietLogger });
    const count = Math.max(256, Math.round(1200 * scale)); // 1200 x ~118 KB: one segment roll at 128 MiB
    const copies = Array.from({ length: count + 64 }, (_, i) => new Uint8Array(batches[i % n]!));
    write = perBlock(Math.floor(count / 16), 16, (i) => log.append(copies[i]!, 0));
    await log.close();
  } finally {
    removeDir(logDir);
  }
  row("write: PartitionLog.append, flush off", write, { "GB/s": meanBytes / median(write) / 1000 });

  // hop and total, on a 1-shard broker with one partition
  const dir = tempDir("cost");
  let hop: number[];
  let total: number[];
  let hop2: number[];
  try {
    const broker = await cluster.createBroker({ dataDir: dir, shards: 1, logger: quietLogger, logLevel: "error", topicDefaults: { flushMs: FLUSH_OFF_MS } });
    try {
      await broker.createTopic("cost", { partitions: 1, configs: { "flush.ms": String(FLUSH_OFF_MS) } });
      hop = await perCall(Math.max(500, Math.round(3000 * scale)), 500, () => broker.pingShard(0));
      total = await perCall(Math.max(200, Math.round(1500 * scale)), 200, (i) => broker.produce("cost", 0, batches[i % n]!, { acks: 1, transfer: false }));
    } finally {
      await broker.close();
    }
  } finally {
    removeDir(dir);
  }
  // The hop with two shards (both workers alive, main thread shared with them).
  const dir2 = tempDir("cost2");
  try {
    const broker = await cluster.createBroker({ dataDir: dir2, shards: 2, logger: quietLogger, logLevel: "error" });
    try {
      hop2 = await perCall(Math.max(500, Math.round(3000 * scale)), 500, (i) => broker.pingShard(i & 1));
    } finally {
      await broker.close();
    }
  } finally {
    removeDir(dir2);
  }
  row("hop: pingShard round trip (1 shard)", hop);
  row("hop: pingShard round trip (2 shards, alternating)", hop2);
  row("total: broker.produce, 1 in flight, 1 shard, transfer: false", total, { "GB/s": meanBytes / median(total) / 1000 });

  const micros = { copy: median(copy), hop: median(hop), validate: median(validate), write: median(write), total: median(total) };
  const rest = micros.total - micros.copy - micros.hop - micros.validate - micros.write;
  rows.push({ group: "cost", name: "rest: total - (copy + hop + validate + write)", value: rest, unit: "µs/batch" });
  const share = (v: number) => `${((100 * v) / micros.total).toFixed(0)}%`;
  notes.push(
    `cost split of one ${Math.round(meanBytes)}-byte batch (${pool.recordsPerBatch} records) at 1 in flight: copy ${share(micros.copy)}, ` +
      `hop ${share(micros.hop)}, validate ${share(micros.validate)}, write ${share(micros.write)}, rest ${share(rest)} of ${micros.total.toFixed(0)} µs; ` +
      `steps are medians measured alone, so they need not add up exactly`,
  );
  return { rows, notes, micros };
}
