// Decoding one CHUNK frame's records: whole RecordBatch v2 batches as stored, each CRC-checked by the WASM
// core before any of its records is handed out.
//
// A corrupt batch (bad CRC, a length running past the chunk, a broken layout) does not cost the batches
// before it: they are returned, and decoding stops at the corrupt one, which is described by a
// CorruptBatchError at its offset (CORRUPT_MESSAGE), with the offset after it when its header can say.
//
//   batch header: baseOffset int64 @0 | batchLength int32 @8 | ... | lastOffsetDelta int32 @23 | ...

import { baseOffsetAt, batchSizeAt, decodeRecordBatch, LOG_OVERHEAD, type DecodeOptions } from "../core/index.js";
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

export interface DecodedChunk {
  records: ChunkRecord[];
  /** The first corrupt batch, if any: nothing at or after it is in `records`. */
  corrupt?: CorruptBatchError;
}

export function decodeChunk(topic: string, frame: ChunkFrame, decompress: DecodeOptions["decompress"]): DecodedChunk {
  const bytes = frame.records.length;
  const records: ChunkRecord[] = [];
  const view = new DataView(frame.records.buffer, frame.records.byteOffset, frame.records.byteLength);
  for (let at = 0; at < bytes; ) {
    const hasLength = at + LOG_OVERHEAD <= bytes;
    const baseOffset = hasLength ? baseOffsetAt(view, at) : frame.fromOffset;
    const size = hasLength ? batchSizeAt(view, at) : -1;
    try {
      if (size < LOG_OVERHEAD || at + size > bytes) throw new CorruptRecordError("TRUNCATED", `batch at byte ${at} of a ${bytes}-byte chunk has length ${size - LOG_OVERHEAD}`);
      const batch = decodeRecordBatch(frame.records.subarray(at, at + size), { decompress });
      at += size;
      if (batch.isControl) continue;
      // The decoded records become the consumer's records in place (topic and partition added): one object
      // per record, not two. All get the same two properties in the same order, so they share one shape.
      const decoded = batch.records as ChunkRecord[];
      const partition = frame.partition;
      for (let i = 0; i < decoded.length; i++) {
        const r = decoded[i]!;
        if (r.offset < frame.fromOffset) continue; // the first batch may start before the position
        r.topic = topic;
        r.partition = partition;
        records.push(r);
      }
    } catch (error) {
      const offset = baseOffset > frame.fromOffset ? baseOffset : frame.fromOffset;
      const next = at + 27 <= bytes ? baseOffset + BigInt(view.getInt32(at + 23)) + 1n : offset + 1n;
      return { records, corrupt: new CorruptBatchError(topic, frame.partition, offset, next > offset ? next : offset + 1n, error as Error) };
    }
  }
  return { records };
}
