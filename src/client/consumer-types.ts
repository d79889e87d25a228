// What a consumer is created with and hands out, apart from the Consumer class (consumer.ts).

import type { DecodeOptions } from "../core/index.js";
import type { StartFrom } from "../protocol/ws/index.js";
import type { ChunkRecord } from "./chunk.js";
import type { HeldChunk } from "./chunk-rows.js";

export interface ConsumerOptions {
  topic: string;
  /** Partitions to read; default all. */
  partitions?: number[];
  /** Where to start partitions without a position. Default "latest" (Kafka's auto.offset.reset). */
  from?: StartFrom;
  /** Per-partition positions to resume from (the next offset to read), e.g. saved from positions(). */
  positions?: Map<number, bigint> | Record<number, bigint>;
  /** Credit window: bytes the broker may send ahead of the application. Default 1 MiB. */
  windowBytes?: number;
  /** Largest chunk to ask for. Default 256 KiB. */
  maxChunkBytes?: number;
  /** When retention deleted unread records: throw a GapError from the iterator (default) or skip ahead. */
  onGap?: "error" | "skip";
  /** Inflates compressed batches (gzip, ...) produced by Kafka clients. */
  decompress?: DecodeOptions["decompress"];
  /**
   * Check every batch's CRC-32C before handing out its records (Kafka's `check.crcs`). Default true. A
   * batch that fails is a CorruptBatchError either way when its framing is broken; turned off, flipped
   * bits inside a batch are no longer caught here (the broker checks CRCs when batches are written and
   * when it opens a log). Off saves ~30 ns per 100-byte record, about 15% of rows()'s CPU.
   */
  checkCrcs?: boolean;
  /**
   * "read_committed": only records of committed transactions (and non-transactional ones), held back at
   * the first open transaction. Default "read_uncommitted" (Kafka's default): every record as written.
   */
  isolation?: "read_committed" | "read_uncommitted";
}

export type ConsumedRecord = ChunkRecord;

export type Entry =
  /**
   * A chunk's records, handed out from `at` on (one entry per chunk, not per record: the queue costs
   * nothing per record).
   */
  | { kind: "records"; partition: number; records: ConsumedRecord[]; at: number }
  /** End of a chunk: move the position to `nextOffset` and return `bytes` of credit. */
  | { kind: "end"; partition: number; nextOffset: bigint; bytes: number }
  /**
   * A chunk held as it arrived, decoded when a reader takes it (chunk-rows.ts); always followed by its end.
   * The row reader decodes it a batch at a time; the record readers decode it whole.
   */
  | HeldChunk
  | { kind: "error"; error: Error; partition?: number };

/** How a consumer is read: records (next(), `for await`, batches) or row views (rows()). */
export type ReadKind = "records" | "rows";

/**
 * The kind a consumer is read as once `wanted` is asked for: the first read fixes it, and the other kind is
 * refused (the two would split one stream between them). `recordsApi` names the record methods in the error.
 */
export function fixReadKind(current: ReadKind | undefined, wanted: ReadKind, recordsApi = "next()"): ReadKind {
  if (current === undefined || current === wanted) return wanted;
  throw new Error(current === "rows" ? `this consumer is read with rows(): ${recordsApi} cannot be used on it too` : `this consumer is read as records (${recordsApi}): rows() cannot be used on it too`);
}
