// Walking a segment's batches by their headers alone (no record decoding, no CRC): how reads find the
// batch holding an offset, and how retention and timestamp lookups see a segment. Reads the file in
// windows so a walk over many small batches costs few system calls.
//
// Header fields used (RecordBatch v2, big-endian): baseOffset i64 @0, batchLength i32 @8 (bytes after it),
// lastOffsetDelta i32 @23, maxTimestamp i64 @35, records count i32 @57. A batch is batchLength + 12 bytes.

import type { FileHandle } from "./fs.js";

export const BATCH_HEADER_SIZE = 61;
export const LOG_OVERHEAD = 12;

export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: number;
}

export function readBatchInfo(view: DataView, at: number, position: number): BatchInfo {
  const baseOffset = view.getBigInt64(at);
  return {
    position,
    size: view.getInt32(at + 8) + LOG_OVERHEAD,
    baseOffset,
    lastOffset: baseOffset + BigInt(view.getInt32(at + 23)),
    maxTimestamp: Number(view.getBigInt64(at + 35)),
  };
}

// Windows start small (a lookup usually needs one or two headers) and double up to 64 KiB for long walks.
const FIRST_WINDOW = 4 * 1024;
const MAX_WINDOW = 64 * 1024;

/** Iterates batch headers from `position` to `end` (exclusive) of a log file whose batches are known valid. */
export function* walkBatches(file: FileHandle, position: number, end: number): Generator<BatchInfo> {
  let window = new Uint8Array(FIRST_WINDOW);
  let view = new DataView(window.buffer);
  let windowStart = -1;
  let windowLength = 0;
  while (position + BATCH_HEADER_SIZE <= end) {
    if (windowStart < 0 || position + BATCH_HEADER_SIZE > windowStart + windowLength) {
      if (windowStart >= 0 && window.length < MAX_WINDOW) {
        window = new Uint8Array(window.length * 2);
        view = new DataView(window.buffer);
      }
      windowStart = position;
      windowLength = file.read(window, 0, Math.min(window.length, end - position), position);
      if (windowLength < BATCH_HEADER_SIZE) return;
    }
    const info = readBatchInfo(view, position - windowStart, position);
    if (info.size < BATCH_HEADER_SIZE || position + info.size > end) return;
    yield info;
    position += info.size;
  }
}
