// Shared helpers for storage tests: batches made by the WASM core's encoder, a memory file system, a clock.
import { decodeRecordBatch, encodeRecordBatch, type RecordInput } from "../../src/core/index.js";
import { memoryLogger } from "../../src/log.js";
import type { LogConfig } from "../../src/storage/log-config.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { MemoryFileSystem } from "../helpers/memory-fs.js";

export const DIR = "/data/t-0";

export function batchOf(count: number, options: { key?: (i: number) => string | null; value?: (i: number) => string | null; timestamp?: number; valueBytes?: number } = {}): Uint8Array {
  const records: RecordInput[] = [];
  const ts = options.timestamp ?? 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    records.push({
      key: options.key ? options.key(i) : null,
      value: options.value ? options.value(i) : "v".repeat(options.valueBytes ?? 100),
      timestamp: ts + i,
    });
  }
  return encodeRecordBatch(records);
}

export class FakeClock {
  constructor(public now = 1_700_000_000_000) {}
  readonly read = () => this.now;
}

export function openLog(fs: MemoryFileSystem, config: Partial<LogConfig> = {}, clock = new FakeClock()) {
  const logger = memoryLogger();
  const log = PartitionLog.open({ dir: DIR, fs, config, logger, clock: clock.read });
  return { log, logger, clock };
}

export function newFs(): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.mkdirp("/data");
  fs.syncDir("/data");
  return fs;
}

/** Every record in the log from `from` on, by reading as a consumer would (following read results). */
export function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 64 * 1024) {
  const out: Array<{ offset: bigint; key: string | null; value: string | null; timestamp: number }> = [];
  let next = from;
  const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
  while (next < log.logEndOffset) {
    const { records } = log.read(next, maxBytes);
    if (records.length === 0) break;
    let position = 0;
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    while (position < records.length) {
      const size = view.getInt32(position + 8) + 12;
      const batch = decodeRecordBatch(records.subarray(position, position + size));
      for (const r of batch.records) {
        if (r.offset >= next) out.push({ offset: r.offset, key: text(r.key), value: text(r.value), timestamp: r.timestamp });
      }
      next = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
      position += size;
    }
  }
  return out;
}

/** Counts the bytes read from segment files (.log) through `fs` from now on: `() => bytes so far`. */
export function countLogReads(fs: MemoryFileSystem): () => number {
  let bytesRead = 0;
  const open = fs.open.bind(fs);
  fs.open = (path, create) => {
    const handle = open(path, create);
    const read = handle.read.bind(handle);
    handle.read = (buffer, offset, length, position) => {
      const n = read(buffer, offset, length, position);
      if (path.endsWith(".log")) bytesRead += n;
      return n;
    };
    return handle;
  };
  return () => bytesRead;
}
