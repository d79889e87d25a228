// Growable big-endian writer for Kafka's primitive types (the mirror of reader.ts; encodings listed there).
//
// Output is a list of parts rather than one buffer, so large byte ranges we did not produce (stored
// record batches in a Fetch response) are referenced, not copied:
//
//   scratch buffer  [ flushed part | flushed part | live segment ...... | free ]
//                                                  ^segStart      ^pos
//   parts           [ scratch slice, external chunk, scratch slice, external chunk, ... ]
//
// `external(chunk)` closes the live segment as a part, pushes the chunk itself, and keeps writing after
// it in the same scratch buffer. Growing copies only the live segment; earlier parts keep their views.
// `finish()` returns the parts for a vectored socket write; `toBytes()` joins them when one buffer is
// needed. Chunks below `externalMin` bytes are copied instead: a separate part costs more than the copy.

import { InvalidArgumentError } from "../../errors/index.js";

/** Record data for a `records` field: one buffer, several chunks written back to back, or null. */
export type Records = Uint8Array | readonly Uint8Array[] | null;

export interface WriterOptions {
  /** Initial scratch size in bytes (default 256). */
  initialCapacity?: number;
  /** Chunks at least this long are referenced rather than copied (default 1024). */
  externalMin?: number;
}

const utf8 = new TextEncoder();

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private segStart = 0;
  private readonly parts: Uint8Array[] = [];
  private flushed = 0;
  private readonly externalMin: number;

  constructor(options: WriterOptions = {}) {
    this.buf = new Uint8Array(Math.max(16, options.initialCapacity ?? 256));
    this.view = new DataView(this.buf.buffer);
    this.externalMin = options.externalMin ?? 1024;
  }

  /** Total bytes written so far, external chunks included. */
  get length(): number {
    return this.flushed + this.pos - this.segStart;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const live = this.pos - this.segStart;
    const next = new Uint8Array(Math.max(this.buf.length * 2, live + n + 64));
    next.set(this.buf.subarray(this.segStart, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.pos = live;
    this.segStart = 0;
  }

  int8(v: number): this {
    this.ensure(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }
  int64(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
    return this;
  }

  uvarint(v: number): this {
    let u = v >>> 0;
    this.ensure(5);
    while (u >= 0x80) {
      this.buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[this.pos++] = u;
    return this;
  }
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }
  varlong(v: bigint): this {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
    return this;
  }

  uuid(v: Uint8Array): this {
    if (v.length !== 16) throw new InvalidArgumentError(`a uuid is 16 bytes, got ${v.length}`);
    return this.raw(v);
  }

  /** Copies bytes in with no length prefix. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Appends bytes with no length prefix, by reference when long enough (see the file comment). */
  external(chunk: Uint8Array): this {
    if (chunk.length < this.externalMin) return this.raw(chunk);
    if (this.pos > this.segStart) this.parts.push(this.buf.subarray(this.segStart, this.pos));
    this.flushed += this.pos - this.segStart + chunk.length;
    this.segStart = this.pos;
    this.parts.push(chunk);
    return this;
  }

  // UTF-8 text at pos + lengthBytes, its byte length returned; the caller writes the prefix after.
  private text(s: string, lengthBytes: number): number {
    this.ensure(lengthBytes + s.length * 3);
    const start = this.pos + lengthBytes;
    const b = this.buf;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return utf8.encodeInto(s, b.subarray(start, start + s.length * 3)).written;
      b[start + i] = c;
    }
    return s.length;
  }

  string(s: string): this {
    const n = this.text(s, 2);
    if (n > 0x7fff) throw new InvalidArgumentError(`a Kafka string is at most 32767 bytes, got ${n}`);
    this.view.setInt16(this.pos, n);
    this.pos += 2 + n;
    return this;
  }
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }
  compactString(s: string): this {
    const encoded = utf8.encode(s);
    return this.uvarint(encoded.length + 1).raw(encoded);
  }
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }

  bytes(b: Uint8Array): this {
    return this.int32(b.length).raw(b);
  }
  nullableBytes(b: Uint8Array | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }
  compactBytes(b: Uint8Array): this {
    return this.uvarint(b.length + 1).raw(b);
  }
  compactNullableBytes(b: Uint8Array | null): this {
    return b === null ? this.uvarint(0) : this.compactBytes(b);
  }

  /** A `records` field (nullable bytes) whose content may arrive as several chunks, referenced not copied. */
  records(records: Records): this {
    if (records === null) return this.int32(-1);
    if (records instanceof Uint8Array) return this.int32(records.length).external(records);
    let total = 0;
    for (const chunk of records) total += chunk.length;
    if (total > 0x7fffffff) throw new InvalidArgumentError(`records of ${total} bytes exceed int32`);
    this.int32(total);
    for (const chunk of records) this.external(chunk);
    return this;
  }

  /** The flexible-version `records` field: compact nullable bytes, chunks referenced as in `records`. */
  compactRecords(records: Records): this {
    if (records === null) return this.uvarint(0);
    if (records instanceof Uint8Array) return this.uvarint(records.length + 1).external(records);
    let total = 0;
    for (const chunk of records) total += chunk.length;
    if (total >= 0xffffffff) throw new InvalidArgumentError(`records of ${total} bytes exceed uint32`);
    this.uvarint(total + 1);
    for (const chunk of records) this.external(chunk);
    return this;
  }

  array<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }
  nullableArray<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, write);
  }
  compactArray<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }
  compactNullableArray<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    return items === null ? this.uvarint(0) : this.compactArray(items, write);
  }

  /** An empty tagged-field section: we never send tagged fields. */
  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  /** Writes an int32 placeholder and returns its position, for `patchInt32` once the value is known. */
  placeholderInt32(): number {
    const at = this.length;
    this.int32(0);
    return at;
  }

  /** Overwrites 4 bytes at absolute position `at`, which must have been written by this writer. */
  patchInt32(at: number, v: number): void {
    if (at >= this.flushed) {
      this.view.setInt32(this.segStart + at - this.flushed, v);
      return;
    }
    let base = 0;
    for (const part of this.parts) {
      if (at < base + part.length) {
        new DataView(part.buffer, part.byteOffset, part.byteLength).setInt32(at - base, v);
        return;
      }
      base += part.length;
    }
  }

  /** The output as parts, in order; the writer must not be used afterwards. */
  finish(): Uint8Array[] {
    if (this.pos > this.segStart) {
      this.parts.push(this.buf.subarray(this.segStart, this.pos));
      this.flushed += this.pos - this.segStart;
      this.segStart = this.pos;
    }
    return this.parts;
  }

  /** The output as one buffer (copies only if there is more than one part). */
  toBytes(): Uint8Array {
    return concat(this.finish());
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
