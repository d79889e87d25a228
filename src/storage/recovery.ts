// Crash recovery for one segment: from a batch boundary at or before the recovery point, read the log in
// chunks, let the WASM core check each batch's length and CRC32C, require offsets to keep increasing, and
// decide what to do at the first batch that fails. Index entries for the rescanned part are re-derived from
// what was found (anything written after the last fsync may be torn); the log bytes are never rewritten.
//
// What a failed batch means depends on where it is (docs/storage.md, "Corruption"):
// - above the recovery point (not yet fsynced when the process stopped): a crash tore it; the file is cut
//   there and the caller drops later segments, so what is lost is a suffix of the log;
// - a batch that runs past the end of the last segment: a torn final write, whatever the checkpoint says
//   (a clean-shutdown flag never excuses a tail that does not end on a whole batch); cut;
// - anything else below the recovery point (or anywhere when the recovery point is unknown): fsynced data
//   damaged at rest. It is never cut and nothing after it is dropped: the bad bytes are kept, recorded as a
//   CorruptRange that readers get CORRUPT_MESSAGE for, and the scan resumes at the next valid batch.

import { baseOffsetAt, BatchField, batchSizeAt, scanBatches, Status, statusName, viewOf } from "../core/index.js";
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, unpooledBuffer } from "./batch-cursor.js";
import type { CorruptRange, Segment } from "./segment.js";

const CHUNK = 8 * 1024 * 1024;
const MAGIC_V2 = 2;

export interface SegmentRecovery {
  /** Bytes of the log that were checked. */
  scannedBytes: number;
  /** Bytes cut from the end of the log (0 if it was whole). */
  truncatedBytes: number;
  /** Why the scan cut the file: a core status name or OFFSET_REGRESSION. */
  stopReason?: string;
  batches: number;
  /** Damaged ranges below the recovery point, kept and fenced off (already added to the segment). */
  corrupt: CorruptRange[];
}

export interface RecoveryPolicy {
  /**
   * Every offset below this was fsynced before the stop; undefined when unknown (no usable checkpoint),
   * which counts every batch as fsynced: damage is then reported, never cut.
   */
  recoveryPoint: bigint | undefined;
  /** The active segment: a batch cut short by the end of its file is a torn write. */
  isLast: boolean;
  /** Base offset of the next segment (where this one's offsets end), if there is one. */
  nextBase?: bigint;
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
  policy: RecoveryPolicy = { recoveryPoint: 0n, isLast: true },
): SegmentRecovery {
  const fileSize = segment.log.size();
  // Start at a batch that is whole and valid, so its base offset can be believed: an index entry may point
  // at the very batch that was torn or damaged. Back off entry by entry (to the segment start at worst).
  let next = segment.baseOffset;
  while (startPosition > 0) {
    const base = validBatchAt(segment, startPosition, fileSize, segment.baseOffset);
    if (base !== undefined) {
      next = base;
      break;
    }
    startPosition = entryBefore(segment, startPosition);
  }
  if (minOffset > next) next = minOffset;
  segment.forgetFrom(startPosition, next);

  let position = startPosition;
  let batches = 0;
  const corrupt: CorruptRange[] = [];
  while (position < fileSize) {
    const { reason, position: at, next: expected, count } = scanValid(segment, position, fileSize, next, onIndexError);
    position = at;
    next = expected;
    batches += count;
    if (reason === undefined) break;
    const durable = policy.recoveryPoint === undefined || next < policy.recoveryPoint;
    const resume = durable ? findNextBatch(segment, position, fileSize, next) : undefined;
    const tornTail = reason === "TRUNCATED" && policy.isLast && resume?.position === undefined;
    if (!durable || tornTail) {
      segment.log.truncate(position);
      return { scannedBytes: position - startPosition, truncatedBytes: fileSize - position, stopReason: reason, batches, corrupt };
    }
    // Damage at rest: fence it off and carry on after it.
    const end = resume?.position ?? fileSize;
    let lastOffset: bigint;
    if (resume?.baseOffset !== undefined) lastOffset = resume.baseOffset - 1n;
    else if (policy.nextBase !== undefined) lastOffset = policy.nextBase - 1n;
    else {
      // Damage running to the end of the last segment: its offsets must never be handed out again.
      lastOffset = plausibleLastOffset(segment, position, end, next) ?? next;
      if (policy.recoveryPoint !== undefined && policy.recoveryPoint - 1n > lastOffset) lastOffset = policy.recoveryPoint - 1n;
    }
    const range: CorruptRange = { position, size: end - position, firstOffset: next, lastOffset, reason };
    segment.trackCorrupt(range);
    corrupt.push(range);
    if (lastOffset + 1n > next) next = lastOffset + 1n;
    position = end;
  }
  return { scannedBytes: position - startPosition, truncatedBytes: 0, batches, corrupt };
}

/**
 * Tracks valid batches from `position` until the end of the file (reason undefined) or the first batch that
 * fails (its reason; `position` is its start).
 */
function scanValid(
  segment: Segment,
  position: number,
  fileSize: number,
  next: bigint,
  onIndexError: (error: unknown) => void,
): { reason?: string; position: number; next: bigint; count: number } {
  let count = 0;
  while (position < fileSize) {
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
      if (batch.baseOffset < next) return { reason: "OFFSET_REGRESSION", position, next, count };
      segment.track(position, batch.size, batch.lastOffset, batch.maxTimestamp, onIndexError);
      next = batch.lastOffset + 1n;
      position += batch.size;
      count++;
    }
    if (result.stopStatus === Status.OK) continue;
    // TRUNCATED in a chunk that stops short of the end of the file only means the chunk cut a batch in two.
    const chunkCutABatch = result.stopStatus === Status.TRUNCATED && chunkStart + chunk.length < fileSize && position > chunkStart;
    if (!chunkCutABatch) return { reason: statusName(result.stopStatus), position, next, count };
  }
  return { position, next, count };
}

/**
 * Where valid data resumes after a bad batch at `position`: the end of its declared length if a valid batch
 * (or the end of the file) is there, else the first position after it holding a whole batch that passes
 * its CRC with a base offset >= `minOffset`. Undefined position: nothing valid follows.
 */
function findNextBatch(segment: Segment, position: number, fileSize: number, minOffset: bigint): { position?: number; baseOffset?: bigint } {
  const declared = declaredSizeAt(segment, position, fileSize);
  if (declared !== undefined && declared >= BATCH_HEADER_SIZE && position + declared <= fileSize) {
    const after = position + declared;
    if (after === fileSize) return { position: after };
    const base = validBatchAt(segment, after, fileSize, minOffset);
    if (base !== undefined) return { position: after, baseOffset: base };
  }
  // The length field itself is damaged: look for the next plausible header, byte by byte, then verify it.
  for (let windowStart = position + 1; windowStart + BATCH_HEADER_SIZE <= fileSize; ) {
    const window = readAt(segment, windowStart, Math.min(CHUNK, fileSize - windowStart)).slice();
    const last = window.length - BATCH_HEADER_SIZE;
    for (let i = 0; i <= last; i++) {
      if (window[i + BatchField.MAGIC] !== MAGIC_V2) continue;
      const base = validBatchAt(segment, windowStart + i, fileSize, minOffset);
      if (base !== undefined) return { position: windowStart + i, baseOffset: base };
    }
    windowStart += last + 1;
  }
  return {};
}

function validBatchAt(segment: Segment, position: number, fileSize: number, minOffset: bigint): bigint | undefined {
  const declared = declaredSizeAt(segment, position, fileSize);
  if (declared === undefined || declared < BATCH_HEADER_SIZE || position + declared > fileSize) return undefined;
  const result = scanBatches(readAt(segment, position, declared), { verifyCrc: true });
  const batch = result.batches[0];
  return result.stopStatus === Status.OK && batch && batch.baseOffset >= minOffset ? batch.baseOffset : undefined;
}

/** The last offset a damaged batch's header claims, if that claim fits between `next` and a sane span. */
function plausibleLastOffset(segment: Segment, position: number, end: number, next: bigint): bigint | undefined {
  if (end - position < BATCH_HEADER_SIZE) return undefined;
  const header = readAt(segment, position, BATCH_HEADER_SIZE);
  const view = viewOf(header);
  const base = baseOffsetAt(view, 0);
  const delta = view.getInt32(BatchField.LAST_OFFSET_DELTA);
  if (base !== next || delta < 0) return undefined;
  return base + BigInt(delta);
}

function declaredSizeAt(segment: Segment, position: number, fileSize: number): number | undefined {
  if (position + LOG_OVERHEAD > fileSize) return undefined;
  const bytes = readAt(segment, position, LOG_OVERHEAD);
  return batchSizeAt(viewOf(bytes), 0);
}

// One scan buffer per thread, reused: recovery reads gigabytes in chunks, and a fresh zeroed 8 MiB
// allocation per chunk cost more than the CRC check. Chunks never outlive the scan of their window.
let scanBuffer: Uint8Array = new Uint8Array(0);

function readAt(segment: Segment, position: number, length: number): Uint8Array {
  if (scanBuffer.length < length) scanBuffer = unpooledBuffer(Math.max(length, CHUNK));
  const got = segment.log.read(scanBuffer, 0, length, position);
  return scanBuffer.subarray(0, got);
}

/** Position of the last index entry before `position`, or 0. */
function entryBefore(segment: Segment, position: number): number {
  for (let i = segment.index.entries - 1; i >= 0; i--) {
    const entry = segment.index.entry(i);
    if (entry.position < position) return entry.position;
  }
  return 0;
}

/**
 * True if the log from `from` (a batch boundary) to the end of its file is whole, valid batches (length,
 * magic, CRC32C) with increasing offsets. The cheap check every open runs on segment tails, clean or not.
 */
export function tailIsValid(segment: Segment, from: number, minOffset: bigint): boolean {
  const fileSize = segment.log.size();
  let position = from;
  let next = minOffset;
  while (position < fileSize) {
    const length = Math.min(CHUNK, fileSize - position);
    const result = scanBatches(readAt(segment, position, length), { verifyCrc: true });
    for (const batch of result.batches) {
      if (batch.baseOffset < next) return false;
      next = batch.lastOffset + 1n;
    }
    const advanced = result.batches.reduce((n, b) => n + b.size, 0);
    if (result.stopStatus !== Status.OK && !(result.stopStatus === Status.TRUNCATED && advanced > 0 && position + length < fileSize)) return false;
    if (advanced === 0) return false;
    position += advanced;
  }
  return position === fileSize;
}
