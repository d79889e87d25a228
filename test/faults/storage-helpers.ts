// Shared by the storage fault-injection tests: partition logs on the real file system in temp dirs, the
// records they were given, and a consumer-style walk that checks every batch's CRC.
import { mkdtempSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRecordBatch, encodeRecordBatch, validateRecordBatch } from "../../src/core/index.js";
import { memoryLogger } from "../../src/log.js";
import type { LogConfig } from "../../src/storage/log-config.js";
import { PartitionLog } from "../../src/storage/partition-log.js";

export function tempDir(prefix: string): { root: string; dir: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), `rivulet-${prefix}-`));
  return { root, dir: join(root, "t-0"), remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function openReal(dir: string, config: Partial<LogConfig> = {}) {
  const logger = memoryLogger();
  const log = PartitionLog.open({ dir, config, logger });
  return { log, logger };
}

/** A batch of `count` records whose values name their producer-side sequence number. */
export function numberedBatch(first: number, count: number, valueBytes = 100): Uint8Array {
  const pad = "x".repeat(Math.max(0, valueBytes - 12));
  return encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: `k${first + i}`, value: `v${first + i}:${pad}`, timestamp: 1_700_000_000_000 + first + i })));
}

/** Reads the whole log as a consumer: contiguous offsets, every CRC valid. Returns offset -> value. */
export function consumeAll(log: PartitionLog): Map<bigint, string> {
  const out = new Map<bigint, string>();
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const { records } = log.read(next, 1 << 20);
    if (records.length === 0) throw new Error(`empty read at ${next} below the log end ${log.logEndOffset}`);
    let position = 0;
    while (position < records.length) {
      const size = new DataView(records.buffer, records.byteOffset + position).getInt32(8) + 12;
      const bytes = records.subarray(position, position + size);
      const header = validateRecordBatch(bytes, { strict: true });
      if (header.baseOffset > next) throw new Error(`gap: expected ${next}, got ${header.baseOffset}`);
      for (const r of decodeRecordBatch(bytes).records) if (r.offset >= next) out.set(r.offset, new TextDecoder().decode(r.value!));
      next = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
      position += size;
    }
  }
  return out;
}

export const fileSize = (path: string) => statSync(path).size;
export const cutFile = (path: string, length: number) => truncateSync(path, length);
export const segmentPath = (dir: string, base: bigint | number, suffix = ".log") => join(dir, `${String(base).padStart(20, "0")}${suffix}`);
