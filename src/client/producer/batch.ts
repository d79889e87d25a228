// What the producer batches: records (already encoded, builder.ts) with whoever waits for them (a send()
// promise, a slot of a sendMany() group, a sendAll() tally), and the size arithmetic that keeps a batch
// under the broker's limits.

import { BATCH_HEADER_SIZE, withCompressedRecords } from "../../core/index.js";
import { BatchBuilder, recordsOf } from "./builder.js";
import type { Identity } from "./errors.js";

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1n with acks 0 (nothing comes back). */
  offset: bigint;
}

/** A sendMany() call: one promise for many records. */
export interface Group {
  results: RecordMetadata[];
  remaining: number;
  failed: boolean;
  resolve(results: RecordMetadata[]): void;
  reject(error: Error): void;
}

/**
 * A sendAll() call: one promise for many records and no per-record metadata. The same object stands for
 * every record of the call in the batches' waiting lists, so the call allocates nothing per record.
 */
export interface Tally {
  tally: true;
  remaining: number;
  failed: boolean;
  resolve(): void;
  reject(error: Error): void;
}

/** Who waits for a record's acknowledgement: its own send() promise, a slot of a sendMany() group, or a sendAll() tally. */
export type Waiting = { resolve(meta: RecordMetadata): void; reject(error: Error): void } | { group: Group; index: number } | Tally;

export function fail(waiting: Waiting, error: Error): void {
  if ("tally" in waiting) {
    if (!waiting.failed) {
      waiting.failed = true;
      waiting.reject(error);
    }
  } else if ("group" in waiting) {
    if (!waiting.group.failed) {
      waiting.group.failed = true;
      waiting.group.reject(error);
    }
  } else waiting.reject(error);
}

/**
 * Records [index, index + repeat) of a batch appended at `baseOffset` are acknowledged, all waited for by
 * `waiting` (repeat > 1 only for a sendAll() tally); metadata is made only for who reads it.
 */
export function succeedAt(waiting: Waiting, topic: string, partition: number, baseOffset: bigint, index: number, repeat = 1): void {
  if ("tally" in waiting) {
    if ((waiting.remaining -= repeat) === 0 && !waiting.failed) waiting.resolve();
    return;
  }
  succeed(waiting, { topic, partition, offset: baseOffset < 0n ? -1n : baseOffset + BigInt(index) });
}

export function succeed(waiting: Waiting, meta: RecordMetadata): void {
  if ("tally" in waiting) {
    if (--waiting.remaining === 0 && !waiting.failed) waiting.resolve();
  } else if ("group" in waiting) {
    const g = waiting.group;
    g.results[waiting.index] = meta;
    if (--g.remaining === 0 && !g.failed) g.resolve(g.results);
  } else waiting.resolve(meta);
}

export interface Batch {
  topic: string;
  partition: number;
  /** The records, encoded as they joined. */
  builder: BatchBuilder;
  /** Records in the batch. */
  count: number;
  /**
   * Who waits for each record, in order; a number n after an entry repeats that entry n more times (the
   * records of one sendAll() call take one slot per run, not one per record).
   */
  waiting: (Waiting | number)[];
  /** Bytes counted against maxBufferedBytes. */
  bytes: number;
  /** The encoded batch's size so far, header included (an upper bound in a split's halves). */
  size: number;
  /** When its first record arrived (the delivery timeout runs from here, as Kafka's batch creation time). */
  createdAt: number;
  /** Position within the partition: retries go back in this order. A split's halves share the range. */
  order: number;
  /** The range [order, order + span) this batch's records occupy (1 for a batch as sealed). */
  span: number;
  /** Linger is over: the batch may be sealed as soon as a request slot is free. */
  ripe: boolean;
  attempts: number;
  /** Idempotence: sent under its current sequence numbers, so the broker may have appended it. */
  windowed: boolean;
  /** Handed to the socket at least once: the broker may have appended it even if no answer came. */
  sent: boolean;
  /** First sequence number (idempotent producers; not wrapped), -1 until assigned at first dispatch. */
  seq: number;
  identity: Identity | undefined;
  encoded: Uint8Array | undefined;
  lastError: Error | undefined;
}

/** RecordBatch v2 header (61 bytes). */
export const BATCH_HEADER_BYTES = 61;

/**
 * `frameHead`: bytes kept free in front of the batch for its PRODUCE frame's head (produce-request.ts);
 * `maxSize`: the largest batch the broker takes (the buffer grows no further than that).
 */
export function newBatch(topic: string, partition: number, order: number, buffer?: Uint8Array, frameHead = 0, maxSize = Number.POSITIVE_INFINITY): Batch {
  return {
    topic,
    partition,
    builder: new BatchBuilder(buffer, frameHead, frameHead + maxSize),
    count: 0,
    waiting: [],
    bytes: 0,
    size: BATCH_HEADER_BYTES,
    createdAt: Date.now(),
    order,
    span: 1,
    ripe: false,
    attempts: 0,
    windowed: false,
    sent: false,
    seq: -1,
    identity: undefined,
    encoded: undefined,
    lastError: undefined,
  };
}

/** Records `waiting` as waiting for the batch's next record (a run of one sendAll() call takes one slot). */
export function addWaiting(batch: Batch, waiting: Waiting): void {
  const list = batch.waiting;
  const n = list.length;
  if (n > 0 && "tally" in waiting) {
    const last = list[n - 1]!;
    if (last === waiting) return void list.push(1);
    if (typeof last === "number" && list[n - 2] === waiting) return void (list[n - 1] = last + 1);
  }
  list.push(waiting);
}

/** Calls `each(waiting, index, repeat)` per run: the run covers records [index, index + repeat). */
export function forEachWaiting(batch: Batch, each: (waiting: Waiting, index: number, repeat: number) => void): void {
  const list = batch.waiting;
  let index = 0;
  for (let i = 0; i < list.length; i++) {
    const w = list[i] as Waiting;
    const next = list[i + 1];
    const repeat = typeof next === "number" ? (i++, next + 1) : 1;
    each(w, index, repeat);
    index += repeat;
  }
}

/**
 * Two batches with the first and second half of `batch`'s records (a batch the broker refused whole),
 * decoded from its bytes and encoded again. They keep its sequence range between them, so the batches
 * behind need no renumbering.
 */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const records = recordsOf(batch.builder.finish(undefined, -1));
  const waiting: Waiting[] = [];
  forEachWaiting(batch, (w, _index, repeat) => {
    for (let i = 0; i < repeat; i++) waiting.push(w);
  });
  const half = records.length >> 1;
  const part = (from: number, to: number): Batch => {
    const b = newBatch(batch.topic, batch.partition, from === 0 ? batch.order : batch.order + batch.span / 2);
    b.span = batch.span / 2;
    b.createdAt = batch.createdAt;
    for (let i = from; i < to; i++) {
      const r = records[i]!;
      b.builder.append(r.key, r.value, r.headers, r.timestamp);
      addWaiting(b, waiting[i]!);
    }
    b.count = to - from;
    b.bytes = Math.round((batch.bytes * (to - from)) / records.length);
    b.ripe = true;
    b.attempts = batch.attempts;
    b.lastError = batch.lastError;
    b.identity = batch.identity;
    b.seq = batch.seq < 0 ? -1 : batch.seq + from;
    return b;
  };
  const first = part(0, half);
  const second = part(half, records.length);
  second.bytes = batch.bytes - first.bytes; // exact accounting whatever the rounding
  return [first, second];
}

/** `plain` compressed with `compression`, if one is set and it shrinks the batch (sizes were checked uncompressed). */
export function compressBatch(plain: Uint8Array, compression: { codec: number; compress(records: Uint8Array): Uint8Array } | undefined): Uint8Array {
  if (!compression) return plain;
  const packed = compression.compress(plain.subarray(BATCH_HEADER_SIZE));
  return BATCH_HEADER_SIZE + packed.length < plain.length ? withCompressedRecords(plain, compression.codec, packed) : plain;
}

const encoder = new TextEncoder();

/** Byte length; strings counted at 3 bytes per UTF-16 unit unless `exact` (then their UTF-8 length). */
export function byteLength(v: Uint8Array | string | null | undefined, exact = false): number {
  if (v == null) return 0;
  if (typeof v !== "string") return v.length;
  return exact ? encoder.encode(v).length : v.length * 3;
}

export interface SizedRecord {
  key?: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers?: { key: string; value: Uint8Array | string | null }[];
}

/**
 * An upper bound of a record's encoded size inside a batch: the varints (length, attributes, timestamp
 * delta, offset delta, key and value lengths, header count) take at most 36 bytes, each header 10 more.
 */
export function recordSize(record: SizedRecord, exact = false): number {
  let size = 36 + byteLength(record.key, exact) + byteLength(record.value, exact);
  if (record.headers) for (const h of record.headers) size += 10 + byteLength(h.key, exact) + byteLength(h.value, exact);
  return size;
}
