// The RecordBatch v2 header layout, for TypeScript: the one place that knows where each field lives
// (mirrors assembly/record-batch-header.ts; test/core/batch-layout.test.ts checks the two agree), and the
// one walker over batch boundaries. Pure DataView work, no WASM: safe in the browser, in workers and in
// code that must not instantiate the core.
//
//   0        8        12       16  17       21    23       27       35       43       51    53       57       61
//   +--------+--------+--------+---+--------+-----+--------+--------+--------+--------+-----+--------+--------+----
//   |baseOff |batchLen|leaderEp|mag|crc32c  |attrs|lastOffD|baseTs  |maxTs   |prodId  |pEpo |baseSeq |count   |records
//   |i64     |i32     |i32     |i8 |u32     |i16  |i32     |i64     |i64     |i64     |i16  |i32     |i32     |...
//   +--------+--------+--------+---+--------+-----+--------+--------+--------+--------+-----+--------+--------+----
//
// batchLen counts the bytes after itself: a batch occupies LOG_OVERHEAD + batchLen bytes.

/** Byte offsets of the header fields, from the start of the batch. */
export const BatchField = {
  BASE_OFFSET: 0,
  BATCH_LENGTH: 8,
  LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORD_COUNT: 57,
} as const;

export const BATCH_HEADER_SIZE = 61;
/** Bytes before the part batchLength counts (baseOffset + batchLength). */
export const LOG_OVERHEAD = 12;
/** The CRC covers [CRC_START, end of batch). */
export const CRC_START = 21;
/** attributes bits 0-2. */
export const COMPRESSION_MASK = 0x07;

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Total size of the batch starting at `at` (needs LOG_OVERHEAD bytes there). */
export function batchSizeAt(view: DataView, at: number): number {
  return view.getInt32(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
}

export function baseOffsetAt(view: DataView, at: number): bigint {
  return view.getBigInt64(at + BatchField.BASE_OFFSET);
}

/** baseOffset + lastOffsetDelta of the batch at `at` (needs its whole header). */
export function lastOffsetAt(view: DataView, at: number): bigint {
  return view.getBigInt64(at + BatchField.BASE_OFFSET) + BigInt(view.getInt32(at + BatchField.LAST_OFFSET_DELTA));
}

export function maxTimestampAt(view: DataView, at: number): number {
  return Number(view.getBigInt64(at + BatchField.MAX_TIMESTAMP));
}

export function recordCountAt(view: DataView, at: number): number {
  return view.getInt32(at + BatchField.RECORD_COUNT);
}

export function attributesAt(view: DataView, at: number): number {
  return view.getInt16(at + BatchField.ATTRIBUTES);
}

/** The compression id (0 none .. 4 zstd) of the batch at `at`. */
export function compressionAt(view: DataView, at: number): number {
  return view.getInt16(at + BatchField.ATTRIBUTES) & COMPRESSION_MASK;
}

export interface BatchSpan {
  /** Where the batch starts in the bytes walked. */
  start: number;
  size: number;
}

/**
 * The batches laid end to end in `bytes[from, limit)`, by their length fields alone (no CRC check): each
 * span lies wholly inside the range; the walk stops at the first batch that does not (a partial tail) or
 * whose length field is impossible (below the header size), so callers see only whole batches.
 */
export function* batchSpans(bytes: Uint8Array, from = 0, limit = bytes.length): Generator<BatchSpan> {
  const view = viewOf(bytes);
  const end = Math.min(limit, bytes.length);
  for (let at = from; at + LOG_OVERHEAD <= end; ) {
    const size = batchSizeAt(view, at);
    if (size < BATCH_HEADER_SIZE || at + size > end) return;
    yield { start: at, size };
    at += size;
  }
}

/**
 * The end of the longest run of whole batches in `bytes[from, limit)` (`from` itself when not even one fits).
 * The allocation-free form of batchSpans for hot paths.
 */
export function wholeBatchesEnd(bytes: Uint8Array, from = 0, limit = bytes.length): number {
  const view = viewOf(bytes);
  const end = Math.min(limit, bytes.length);
  let at = from;
  while (at + LOG_OVERHEAD <= end) {
    const size = batchSizeAt(view, at);
    if (size < BATCH_HEADER_SIZE || at + size > end) break;
    at += size;
  }
  return at;
}
