// Walking a segment's batches by their headers alone (no record decoding, no CRC): how reads find the
// batch holding an offset, and how retention and timestamp lookups see a segment. Reads the file in
// windows so a walk over many small batches costs few system calls.
//
// Header fields are read through the one layout module (src/core/record-batch/layout.ts).

import { BATCH_HEADER_SIZE, baseOffsetAt, batchSizeAt, lastOffsetAt, LOG_OVERHEAD, maxTimestampAt } from "../core/index.js";
import type { FileHandle } from "./fs.js";

export { BATCH_HEADER_SIZE, LOG_OVERHEAD };

export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: number;
}

export function readBatchInfo(view: DataView, at: number, position: number): BatchInfo {
  return {
    position,
    size: batchSizeAt(view, at),
    baseOffset: baseOffsetAt(view, at),
    lastOffset: lastOffsetAt(view, at),
    maxTimestamp: maxTimestampAt(view, at),
  };
}

// Windows start small (a lookup usually needs one or two headers) and double up to 64 KiB for long walks;
// after a batch larger than the window, only the next header is read (reading a window of a big batch's
// body would be wasted).
const FIRST_WINDOW = 4 * 1024;
const MAX_WINDOW = 64 * 1024;

/** Iterates batch headers from `position` to `end` (exclusive) of a log file whose batches are known valid. */
export function* walkBatches(file: FileHandle, position: number, end: number): Generator<BatchInfo> {
  let window = new Uint8Array(FIRST_WINDOW);
  let view = new DataView(window.buffer);
  let windowStart = -1;
  let windowLength = 0;
  let lastSize = 0;
  while (position + BATCH_HEADER_SIZE <= end) {
    if (windowStart < 0 || position + BATCH_HEADER_SIZE > windowStart + windowLength) {
      if (windowStart >= 0 && window.length < MAX_WINDOW && lastSize <= window.length) {
        window = new Uint8Array(window.length * 2);
        view = new DataView(window.buffer);
      }
      const want = lastSize > window.length ? BATCH_HEADER_SIZE : Math.min(window.length, end - position);
      windowStart = position;
      windowLength = file.read(window, 0, want, position);
      if (windowLength < BATCH_HEADER_SIZE) return;
    }
    const info = readBatchInfo(view, position - windowStart, position);
    if (info.size < BATCH_HEADER_SIZE || position + info.size > end) return;
    yield info;
    lastSize = info.size;
    position += info.size;
  }
}

/**
 * A buffer for bytes that will leave the thread: its own ArrayBuffer (transferable, unlike Node's pooled
 * Buffers) and not zero-filled (every byte is overwritten by the read).
 */
export function unpooledBuffer(size: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}
