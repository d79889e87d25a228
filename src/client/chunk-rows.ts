// Consumed records as row views (Consumer.rows()): one decoded batch of one partition at a time, read by
// index straight from the decoded tables, so consuming makes no object per record. Chunks are held as they
// arrived and decoded only when the reader takes them, one batch per step, into tables this reader owns
// (a RowStore, reused from step to step): what a step hands out stays readable until the next step,
// whatever else is decoded on this thread in between.

import { RowStore, type DecodedRows, type DecodeOptions, type RecordHeader } from "../core/index.js";
import type { ChunkFrame } from "../protocol/ws/index.js";
import { decodeBatchAt, decodeChunk, firstRowOf, type BatchDecoding, type DecodedChunk } from "./chunk.js";

/**
 * One step of `consumer.rows()`: the records of one batch of one partition, in offset order, read by index
 * (0 <= i < count). Transactional control records and records before the consumer's position are not in it.
 *
 * How long things stay valid:
 * - the row view itself (count, offset(i), timestamp(i), the *Start/*Length accessors, headers(i)): until
 *   the next step of the same iterator; after that it reads the next batch's tables. Copy what you keep.
 * - `bytes`, and the Uint8Array views key(i), value(i) and header values return: as long as you hold them.
 *   They are views of the received frame (or, for a compressed batch, of its decompressed records), which
 *   nothing reuses; holding one keeps that whole frame (up to maxChunkBytes) in memory.
 *
 * Allocation: count, offsetNumber(i), timestamp(i) and keyStart/keyLength/valueStart/valueLength(i)
 * allocate nothing; offset(i) makes a bigint, key(i)/value(i) a view each, headers(i) an array for a record
 * that has headers. The cheapest loop reads a value in place: `rows.bytes[rows.valueStart(i) + j]` for
 * j < rows.valueLength(i) (-1 for a null value).
 */
export interface ConsumedRows {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  /** The record's offset. */
  offset(i: number): bigint;
  /** offset(i) as a number, without allocating: exact below 2^53. */
  offsetNumber(i: number): number;
  /** The record's timestamp, milliseconds since the epoch. */
  timestamp(i: number): number;
  key(i: number): Uint8Array | null;
  value(i: number): Uint8Array | null;
  /** The record's headers; records without any share one frozen empty array. */
  headers(i: number): RecordHeader[];
  /** The bytes keys and values are in: keyStart/valueStart index into it. */
  readonly bytes: Uint8Array;
  keyStart(i: number): number;
  /** The key's length in bytes, -1 for a null key. */
  keyLength(i: number): number;
  valueStart(i: number): number;
  /** The value's length in bytes, -1 for a null value. */
  valueLength(i: number): number;
}

/** A batch's rows from `first` on, renumbered from 0. */
class BatchRows implements ConsumedRows {
  readonly count: number;
  readonly bytes: Uint8Array;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly rows: DecodedRows,
    private readonly first: number,
  ) {
    this.count = rows.count - first;
    this.bytes = rows.bytes;
  }

  offset(i: number): bigint {
    return this.rows.offset(this.first + i);
  }

  offsetNumber(i: number): number {
    return this.rows.offsetNumber(this.first + i);
  }

  timestamp(i: number): number {
    return this.rows.timestamp(this.first + i);
  }

  key(i: number): Uint8Array | null {
    return this.rows.key(this.first + i);
  }

  value(i: number): Uint8Array | null {
    return this.rows.value(this.first + i);
  }

  headers(i: number): RecordHeader[] {
    return this.rows.headers(this.first + i);
  }

  keyStart(i: number): number {
    return this.rows.keyStart(this.first + i);
  }

  keyLength(i: number): number {
    return this.rows.keyLength(this.first + i);
  }

  valueStart(i: number): number {
    return this.rows.valueStart(this.first + i);
  }

  valueLength(i: number): number {
    return this.rows.valueLength(this.first + i);
  }
}

/** A chunk held as it arrived, decoded batch by batch from byte `at` (consumer-queue.ts). */
export interface HeldChunk {
  kind: "chunk";
  partition: number;
  frame: ChunkFrame;
  view: DataView;
  /** Where the next batch starts. */
  at: number;
}

export function heldChunk(frame: ChunkFrame): HeldChunk {
  const bytes = frame.records;
  return { kind: "chunk", partition: frame.partition, frame, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at: 0 };
}

/** Decodes held chunks for one consumer: as row views, or (for the record readers) as whole chunks. */
export class ChunkReader {
  private readonly store = new RowStore();

  constructor(
    private readonly topic: string,
    private readonly decoding: BatchDecoding,
  ) {}

  /**
   * The chunk's next batch with rows to hand out, or undefined when it has none left. Throws a
   * CorruptBatchError at a corrupt batch (`at` stays on it).
   */
  nextRows(chunk: HeldChunk): ConsumedRows | undefined {
    const bytes = chunk.frame.records.length;
    while (chunk.at < bytes) {
      const batch = decodeBatchAt(this.topic, chunk.frame, chunk.view, chunk.at, this.decoding, this.store);
      chunk.at = batch.end;
      const rows = batch.rows;
      if (rows === undefined) continue; // a transaction marker
      const first = firstRowOf(rows, chunk.frame.fromOffset);
      if (first < rows.count) return new BatchRows(this.topic, chunk.partition, rows, first);
    }
    return undefined;
  }

  /** The whole chunk as records (the decode the record readers do on arrival). */
  records(frame: ChunkFrame): DecodedChunk {
    return decodeChunk(this.topic, frame, this.decoding);
  }
}
