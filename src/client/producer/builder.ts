// A RecordBatch v2 written as its records arrive (issue 14): each record goes straight into the batch's
// buffer when the producer takes it, so no per-record object, array slot or copy waits for the batch to be
// sealed. The header (offsets, timestamps, producer id, sequence, count) and the CRC are written last, by
// finish(), and again if the batch's sequence numbers change before it is resent.
//
// Behavior: the layout is Kafka's (DefaultRecord / DefaultRecordBatch): per record a zigzag varint length,
// attributes 0, varlong timestamp delta from the first record, varint offset delta (the index), key and
// value as zigzag length (-1 = null) + bytes, header count, headers. Strings are UTF-8. Buffers grow by
// doubling and can be handed back (release) to be reused by a later batch once no one reads them.
//
// Frame room: a builder may keep `start` bytes free in front of the batch, where the sender writes the
// PRODUCE frame's head (protocol/ws/produce-frame.ts), so the batch goes to the socket without being
// copied into a frame first (issue 14).

import { crc32c, decodeRecordBatch } from "../../core/index.js";

/** RecordBatch v2 header size; records start here. */
const HEADER = 61;
/** The CRC covers [attributes, end). */
const CRC_START = 21;
const TWO_32 = 4294967296;
const utf8 = new TextEncoder();

export interface HeaderInput {
  key: string;
  value: Uint8Array | string | null;
}

/** Where a record without a timestamp takes its creation time (a field: see Producer.clock). */
export interface Clock {
  now: number;
}

export interface BatchIdentity {
  producerId: bigint;
  producerEpoch: number;
}

/** Unsigned varint size of zigzag(v) for an int32-range v. */
function zigzagSize(v: number): number {
  const z = v >= 0 ? v * 2 : -v * 2 - 1;
  return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x200000 ? 3 : z < 0x10000000 ? 4 : 5;
}

export class BatchBuilder {
  buffer: Uint8Array;
  /** End of the records written so far. */
  length: number;
  count = 0;
  baseTimestamp = 0;
  maxTimestamp = 0;

  /**
   * `start`: bytes kept free before the batch (a frame's head); the batch is buffer[start, length).
   * `maxCapacity`: growth stops doubling here (the largest batch the broker takes, plus `start`), so a full
   * 1 MiB batch does not sit in a 2 MiB buffer; a record that needs more still gets room.
   */
  constructor(buffer?: Uint8Array, readonly start = 0, private readonly maxCapacity = Number.POSITIVE_INFINITY) {
    this.buffer = buffer && buffer.length >= start + HEADER ? buffer : new Uint8Array(Math.max(4096, start + HEADER));
    this.length = start + HEADER;
  }

  /** Makes room for `n` more bytes (doubling: the copies add up to at most the batch's size). */
  private room(n: number): void {
    const need = this.length + n;
    if (need <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < need) capacity *= 2;
    if (capacity > this.maxCapacity) capacity = Math.max(need, this.maxCapacity);
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  /** Zigzag varint of an int32-range value at `p`; returns the position after. */
  private static varint(buf: Uint8Array, p: number, v: number): number {
    let z = v >= 0 ? v * 2 : -v * 2 - 1; // zigzag without 32-bit overflow (v may be up to 2^31 - 1)
    if (z < 0x80) {
      // Most lengths and indexes (values under 64 bytes, a batch's first 64 records, -1 for null).
      buf[p] = z;
      return p + 1;
    }
    if (z < 0x4000) {
      buf[p] = (z & 0x7f) | 0x80;
      buf[p + 1] = z >>> 7;
      return p + 2;
    }
    while (z >= 0x80) {
      buf[p++] = (z & 0x7f) | 0x80;
      z = Math.floor(z / 128);
    }
    buf[p++] = z;
    return p;
  }

  /**
   * Appends one record; `timestamp` in ms since the epoch (a safe integer, checked by the caller), or
   * undefined for `clock.now`. Values and keys are copied now, so the caller may reuse its arrays as soon
   * as this returns.
   */
  append(key: Uint8Array | string | null | undefined, value: Uint8Array | string | null | undefined, headers: HeaderInput[] | undefined, stamp: number | undefined, clock?: Clock): void {
    // Two branches, not `stamp ?? clock.now`: merging a caller's number with the clock's (an unboxed double)
    // boxes the clock's on the heap for every record (16 B). The delta from the batch's first timestamp is
    // passed on as a small integer (`wide | 0`) where it is one, almost always, for the same reason.
    let wide: number;
    if (stamp === undefined) {
      const t = clock !== undefined ? clock.now : Date.now();
      if (this.count === 0) this.baseTimestamp = this.maxTimestamp = t;
      else if (t > this.maxTimestamp) this.maxTimestamp = t;
      wide = t - this.baseTimestamp;
    } else {
      if (this.count === 0) this.baseTimestamp = this.maxTimestamp = stamp;
      else if (stamp > this.maxTimestamp) this.maxTimestamp = stamp;
      wide = stamp - this.baseTimestamp;
    }
    const small = wide > -0x3fffffff && wide < 0x3fffffff;
    const index = this.count;
    if (typeof key !== "string" && typeof value !== "string" && headers === undefined) {
      // The common case: bytes or nulls, no headers; the body's size is known before it is written.
      const k = key == null ? -1 : key.length;
      const v = value == null ? -1 : value.length;
      const body = 1 + (small ? zigzagSize(wide | 0) : varlongSize(wide)) + zigzagSize(index) + zigzagSize(k) + (k > 0 ? k : 0) + zigzagSize(v) + (v > 0 ? v : 0) + 1;
      this.room(5 + body);
      const buf = this.buffer;
      let p = BatchBuilder.varint(buf, this.length, body);
      buf[p++] = 0; // attributes
      p = small ? BatchBuilder.varint(buf, p, wide | 0) : writeVarlong(buf, p, wide);
      p = BatchBuilder.varint(buf, p, index);
      p = BatchBuilder.varint(buf, p, k);
      if (k > 0) {
        buf.set(key as Uint8Array, p);
        p += k;
      }
      p = BatchBuilder.varint(buf, p, v);
      if (v > 0) {
        buf.set(value as Uint8Array, p);
        p += v;
      }
      buf[p++] = 0; // no headers
      this.length = p;
    } else {
      if (small) this.appendGeneral(key, value, headers, wide | 0, index);
      else this.appendGeneral(key, value, headers, wide, index);
    }
    this.count = index + 1;
  }

  /** Strings or headers: the body is written 5 bytes in, then moved back behind its length. */
  private appendGeneral(key: Uint8Array | string | null | undefined, value: Uint8Array | string | null | undefined, headers: HeaderInput[] | undefined, delta: number, index: number): void {
    let bound = 1 + 10 + 5 + fieldBound(key) + fieldBound(value) + 5;
    if (headers) for (const h of headers) bound += fieldBound(h.key) + fieldBound(h.value);
    this.room(5 + bound);
    const buf = this.buffer;
    const start = this.length + 5;
    let p = start;
    buf[p++] = 0;
    p = writeVarlong(buf, p, delta);
    p = BatchBuilder.varint(buf, p, index);
    p = this.field(p, key);
    p = this.field(p, value);
    p = BatchBuilder.varint(buf, p, headers ? headers.length : 0);
    if (headers) {
      for (const h of headers) {
        p = this.field(p, h.key);
        p = this.field(p, h.value);
      }
    }
    const body = p - start;
    const at = BatchBuilder.varint(buf, this.length, body);
    if (at !== start) buf.copyWithin(at, start, p);
    this.length = at + body;
  }

  /** A zigzag length (-1 for null) and the bytes (strings as UTF-8) at `p`. */
  private field(p: number, v: Uint8Array | string | null | undefined): number {
    const buf = this.buffer;
    if (v == null) return BatchBuilder.varint(buf, p, -1);
    if (typeof v !== "string") {
      p = BatchBuilder.varint(buf, p, v.length);
      buf.set(v, p);
      return p + v.length;
    }
    // Written 5 bytes in (the largest length varint), then moved back behind its real length's varint.
    const written = utf8.encodeInto(v, buf.subarray(p + 5, p + 5 + v.length * 3)).written;
    const at = BatchBuilder.varint(buf, p, written);
    if (at !== p + 5) buf.copyWithin(at, p + 5, p + 5 + written);
    return at + written;
  }

  /**
   * Writes the header and CRC, and returns the batch (a view of the buffer: valid until the buffer is
   * released or more records are appended). Called again after a change of sequence numbers.
   */
  finish(identity: BatchIdentity | undefined, baseSequence: number): Uint8Array {
    const buf = this.buffer;
    const start = this.start;
    const view = new DataView(buf.buffer, buf.byteOffset + start, HEADER);
    const count = this.count;
    view.setBigInt64(0, 0n); // baseOffset: the broker assigns it
    view.setInt32(8, this.length - start - 12); // batchLength: after baseOffset and itself
    view.setInt32(12, -1); // partitionLeaderEpoch
    view.setInt8(16, 2); // magic
    view.setInt16(21, 0); // attributes: uncompressed, CreateTime, not transactional
    view.setInt32(23, count - 1); // lastOffsetDelta
    setInt64(view, 27, count ? this.baseTimestamp : -1);
    setInt64(view, 35, count ? this.maxTimestamp : -1);
    view.setBigInt64(43, identity ? identity.producerId : -1n);
    view.setInt16(51, identity ? identity.producerEpoch : -1);
    view.setInt32(53, identity ? baseSequence : -1);
    view.setInt32(57, count);
    const batch = buf.subarray(start, this.length);
    view.setUint32(17, crc32c(batch.subarray(CRC_START)));
    return batch;
  }
}

/** Size of the zigzag varlong of a safe integer. */
function varlongSize(v: number): number {
  if (v >= -64 && v < 64) return 1;
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** Zigzag varlong of a safe integer at `p` (arithmetic, not bit operations: |v| may exceed 2^31). */
function writeVarlong(buf: Uint8Array, p: number, v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z >= 0x80) {
    buf[p++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[p++] = z;
  return p;
}

function setInt64(view: DataView, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  view.setInt32(at, hi);
  view.setUint32(at + 4, v - hi * TWO_32);
}

/** Upper bound of a field's length varint and bytes. */
function fieldBound(v: Uint8Array | string | null | undefined): number {
  return 5 + (v == null ? 0 : typeof v === "string" ? v.length * 3 : v.length);
}

export interface DecodedInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: HeaderInput[] | undefined;
  timestamp: number;
}

/** The records of a finished batch, back as inputs (to split a batch the broker refused whole: rare). */
export function recordsOf(batch: Uint8Array): DecodedInput[] {
  return decodeRecordBatch(batch).records.map((r) => ({ key: r.key, value: r.value, headers: r.headers.length ? r.headers : undefined, timestamp: r.timestamp }));
}
