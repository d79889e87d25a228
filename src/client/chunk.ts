// Decoding one CHUNK frame's records: whole RecordBatch v2 batches as stored, each checked by the WASM core
// (its CRC too, unless the consumer was made with checkCrcs: false) before any of its records is handed out.
//
// A corrupt batch (bad CRC, a length running past the chunk, a broken layout) does not cost the batches
// before it: they are returned, and decoding stops at the corrupt one, which is described by a
// CorruptBatchError at its offset (CORRUPT_MESSAGE), with the offset after it when its header can say.
//
//   batch header: baseOffset int64 @0 | batchLength int32 @8 | ... | lastOffsetDelta int32 @23 | ...

import { Attributes, attributesAt, baseOffsetAt, batchSizeAt, decodeBatchRows, LOG_OVERHEAD, type DecodedRows, type DecodeOptions, type RowStore } from "../core/index.js";
import { CorruptRecordError } from "../errors/index.js";
import type { ChunkFrame } from "../protocol/ws/index.js";
import { CorruptBatchError } from "./errors.js";

export interface ChunkRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

/**
 * A consumed record as built from the core's decoded rows: a class, so all records share one shape with
 * their seven fields in the object itself (no property added afterwards, no intermediate record).
 */
class Record implements ChunkRecord {
  constructor(
    public topic: string,
    public partition: number,
    public offset: bigint,
    public timestamp: number,
    public key: Uint8Array | null,
    public value: Uint8Array | null,
    public headers: { key: string; value: Uint8Array | null }[],
  ) {}
}

export interface DecodedChunk {
  records: ChunkRecord[];
  /** The first corrupt batch, if any: nothing at or after it is in `records`. */
  corrupt?: CorruptBatchError;
}

/** One batch of a chunk decoded: its rows (undefined for a control batch) and where the next batch starts. */
export interface ChunkBatch {
  rows: DecodedRows | undefined;
  end: number;
}

/**
 * Checks and decodes the batch of `frame` starting at byte `at` (< the chunk's length). Throws a
 * CorruptBatchError at the batch's offset if it is corrupt. With `store`, the rows stay valid until the
 * store is used again (decodeBatchRows).
 */
/** How a consumer decodes batches: its decompressor, and whether CRCs are checked (`verify`, default true). */
export type BatchDecoding = Pick<DecodeOptions, "decompress" | "verify">;

export function decodeBatchAt(topic: string, frame: ChunkFrame, view: DataView, at: number, decoding: BatchDecoding, store?: RowStore): ChunkBatch {
  const bytes = frame.records.length;
  const hasLength = at + LOG_OVERHEAD <= bytes;
  const baseOffset = hasLength ? baseOffsetAt(view, at) : frame.fromOffset;
  const size = hasLength ? batchSizeAt(view, at) : -1;
  try {
    if (size < LOG_OVERHEAD || at + size > bytes) throw new CorruptRecordError("TRUNCATED", `batch at byte ${at} of a ${bytes}-byte chunk has length ${size - LOG_OVERHEAD}`);
    // Checked (framing, every record, the CRC unless turned off) before anything of it is read, control
    // batches included.
    const rows = decodeBatchRows(frame.records.subarray(at, at + size), decoding, store);
    const control = (attributesAt(view, at) & Attributes.CONTROL) !== 0;
    return { rows: control ? undefined : rows, end: at + size };
  } catch (error) {
    const offset = baseOffset > frame.fromOffset ? baseOffset : frame.fromOffset;
    const next = at + 27 <= bytes ? baseOffset + BigInt(view.getInt32(at + 23)) + 1n : offset + 1n;
    throw new CorruptBatchError(topic, frame.partition, offset, next > offset ? next : offset + 1n, error as Error);
  }
}

/** The first row of `rows` to hand out: only the first batch of a chunk may start before its position. */
export function firstRowOf(rows: DecodedRows, fromOffset: bigint): number {
  return rows.count > 0 && rows.offset(0) < fromOffset ? rows.firstAtOrAfter(fromOffset) : 0;
}

export function decodeChunk(topic: string, frame: ChunkFrame, decoding: BatchDecoding): DecodedChunk {
  const bytes = frame.records.length;
  const records: ChunkRecord[] = [];
  const view = new DataView(frame.records.buffer, frame.records.byteOffset, frame.records.byteLength);
  const partition = frame.partition;
  for (let at = 0; at < bytes; ) {
    let batch: ChunkBatch;
    try {
      batch = decodeBatchAt(topic, frame, view, at, decoding);
    } catch (error) {
      return { records, corrupt: error as CorruptBatchError };
    }
    at = batch.end;
    const rows = batch.rows;
    if (rows === undefined) continue;
    const count = rows.count;
    for (let i = firstRowOf(rows, frame.fromOffset); i < count; i++) {
      records.push(new Record(topic, partition, rows.offset(i), rows.timestamp(i), rows.key(i), rows.value(i), rows.headers(i)));
    }
  }
  return { records };
}
