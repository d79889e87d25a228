// Crash recovery for one segment: from a batch boundary at or before the recovery point, read the log in
// chunks, let the WASM core check each batch's length and CRC32C, require offsets to keep increasing, and
// cut the file after the last batch that passes. Index entries for the rescanned part are re-derived from
// what was found (anything written after the last fsync may be torn); the log bytes are never rewritten.

import { batchSizeAt, scanBatches, Status, statusName, viewOf } from "../core/index.js";
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, unpooledBuffer } from "./batch-cursor.js";
import type { Segment } from "./segment.js";

const CHUNK = 8 * 1024 * 1024;

export interface SegmentRecovery {
  /** Bytes of the log that were checked. */
  scannedBytes: number;
  /** Bytes cut from the end of the log (0 if it was whole). */
  truncatedBytes: number;
  /** Why the scan stopped before the end of the file: a core status name or OFFSET_REGRESSION. */
  stopReason?: string;
  batches: number;
}

/**
 * Rescans `segment` from `startPosition` (0 rebuilds its indexes entirely). `minOffset` is the lowest base
 * offset the first batch may have (the previous segment's end).
 */
export function recoverSegment(
  segment: Segment,
  startPosition: number,
  minOffset: bigint,
  onIndexError: (error: unknown) => void,
): SegmentRecovery {
  const fileSize = segment.log.size();
  let next = startPosition === 0 ? segment.baseOffset : baseOffsetAt(segment, startPosition, fileSize);
  if (minOffset > next) next = minOffset;
  segment.forgetFrom(startPosition, next);

  let position = startPosition;
  let stopReason: string | undefined;
  let batches = 0;
  while (position < fileSize && stopReason === undefined) {
    const chunkStart = position;
    let chunk = readAt(segment, position, Math.min(CHUNK, fileSize - position));
    let result = scanBatches(chunk, { verifyCrc: true });
    if (result.batches.length === 0 && result.stopStatus === Status.TRUNCATED && chunkStart + chunk.length < fileSize) {
      // The next batch is bigger than a chunk: read exactly its declared size, if the file holds that much.
      const declared = batchSizeAt(viewOf(chunk), 0);
      if (declared >= BATCH_HEADER_SIZE && chunkStart + declared <= fileSize) {
        chunk = readAt(segment, position, declared);
        result = scanBatches(chunk, { verifyCrc: true });
      }
    }
    for (const batch of result.batches) {
      if (batch.baseOffset < next) {
        stopReason = "OFFSET_REGRESSION";
        break;
      }
      segment.track(position, batch.size, batch.lastOffset, batch.maxTimestamp, onIndexError);
      next = batch.lastOffset + 1n;
      position += batch.size;
      batches++;
    }
    if (stopReason !== undefined || result.stopStatus === Status.OK) continue;
    // TRUNCATED in a chunk that stops short of the end of the file only means the chunk cut a batch in two.
    const chunkCutABatch = result.stopStatus === Status.TRUNCATED && chunkStart + chunk.length < fileSize && position > chunkStart;
    if (!chunkCutABatch) stopReason = statusName(result.stopStatus);
  }
  const truncatedBytes = fileSize - position;
  if (truncatedBytes > 0) segment.log.truncate(position);
  return { scannedBytes: position - startPosition, truncatedBytes, stopReason: truncatedBytes > 0 ? stopReason : undefined, batches };
}

// One scan buffer per thread, reused: recovery reads gigabytes in chunks, and a fresh zeroed 8 MiB
// allocation per chunk cost more than the CRC check. Chunks never outlive the scan of their window.
let scanBuffer: Uint8Array = new Uint8Array(0);

function readAt(segment: Segment, position: number, length: number): Uint8Array {
  if (scanBuffer.length < length) scanBuffer = unpooledBuffer(Math.max(length, CHUNK));
  const got = segment.log.read(scanBuffer, 0, length, position);
  return scanBuffer.subarray(0, got);
}

function baseOffsetAt(segment: Segment, position: number, fileSize: number): bigint {
  if (position + 8 > fileSize) return segment.baseOffset;
  const header = readAt(segment, position, 8);
  return new DataView(header.buffer, header.byteOffset, 8).getBigInt64(0);
}
