// Bounds-checked reader for Kafka's primitive types over one Uint8Array (usually a frame without its
// size prefix). Every read checks the bytes it needs first and throws KafkaDecodeError on overrun, so a
// hostile frame can never read out of range or make us allocate more than it is long.
//
// Encodings (Kafka's protocol types):
//   int8/16/32/64, uint32       big-endian, fixed width
//   varint / varlong            zigzag, 7 bits per byte, low group first (RecordBatch fields)
//   uvarint                     unsigned, same byte format, no zigzag (lengths in flexible versions)
//   string / nullable_string    int16 length + UTF-8; -1 = null
//   bytes / nullable_bytes      int32 length + bytes; -1 = null
//   [T] / nullable [T]          int32 count + elements; -1 = null
//   compact_*                   uvarint (length + 1) instead of the int16/int32; 0 = null
//   uuid                        16 bytes
//   tagged_fields               uvarint count, then per field: uvarint tag, uvarint size, size bytes
//
// Byte arrays are returned as views into the input, not copies: they stay valid only as long as the
// caller keeps the input unchanged. Strings decode like Java's new String(bytes, UTF_8): invalid UTF-8
// becomes U+FFFD rather than an error.

import { KafkaDecodeError } from "./errors.js";

const utf8 = new TextDecoder("utf-8");

export class Reader {
  readonly data: Uint8Array;
  /** Position of the next read. */
  offset: number;
  /** One past the last readable byte. */
  readonly end: number;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    if (offset < 0 || end > bytes.length || offset > end) throw new RangeError(`bad reader window [${offset}, ${end})`);
    this.data = bytes;
    this.offset = offset;
    this.end = end;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) {
      throw new KafkaDecodeError("TRUNCATED", `truncated ${what} at byte ${at}: need ${n}, have ${this.end - at}`, at);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.view.getInt8(this.need(1, "int8"));
  }
  bool(): boolean {
    return this.view.getInt8(this.need(1, "bool")) !== 0;
  }
  int16(): number {
    return this.view.getInt16(this.need(2, "int16"));
  }
  uint16(): number {
    return this.view.getUint16(this.need(2, "uint16"));
  }
  int32(): number {
    return this.view.getInt32(this.need(4, "int32"));
  }
  uint32(): number {
    return this.view.getUint32(this.need(4, "uint32"));
  }
  int64(): bigint {
    return this.view.getBigInt64(this.need(8, "int64"));
  }

  /** Unsigned varint of at most 32 bits (5 bytes). */
  uvarint(): number {
    const start = this.offset;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.data[this.need(1, "varint")]!;
      if (i === 4 && b > 0x0f) throw new KafkaDecodeError("VARINT_TOO_LONG", `varint too long at byte ${start}`, start);
      result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return result >>> 0;
    }
    throw new KafkaDecodeError("VARINT_TOO_LONG", `varint too long at byte ${start}`, start);
  }

  /** Zigzag varint (int32). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag varlong (int64), at most 10 bytes. */
  varlong(): bigint {
    const start = this.offset;
    let u = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.data[this.need(1, "varlong")]!;
      if (i === 9 && b > 0x01) break;
      u |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return (u >> 1n) ^ -(u & 1n);
    }
    throw new KafkaDecodeError("VARINT_TOO_LONG", `varlong too long at byte ${start}`, start);
  }

  uuid(): Uint8Array {
    const at = this.need(16, "uuid");
    return this.data.subarray(at, at + 16);
  }

  // Lengths: -1 is null; anything below that, or -1 where null is not allowed, is malformed.
  private length(n: number, nullable: boolean, what: string, at: number): number {
    if (n < -1 || (n === -1 && !nullable)) {
      throw new KafkaDecodeError("INVALID_LENGTH", `invalid ${what} length ${n} at byte ${at}`, at);
    }
    return n;
  }
  private int16Length(nullable: boolean, what: string): number {
    const at = this.offset;
    return this.length(this.int16(), nullable, what, at);
  }
  private int32Length(nullable: boolean, what: string): number {
    const at = this.offset;
    return this.length(this.int32(), nullable, what, at);
  }
  private compactLength(nullable: boolean, what: string): number {
    const at = this.offset;
    const n = this.uvarint() - 1;
    // uvarint is at most 2^32-1, so n fits; anything past int32 is certainly longer than the frame.
    return this.length(n, nullable, what, at);
  }

  private text(n: number): string {
    const at = this.need(n, "string");
    const b = this.data;
    if (n <= 32) {
      // Short ASCII strings (topic names, ids) are the common case: skip TextDecoder's call overhead.
      let s = "";
      for (let i = at; i < at + n; i++) {
        const c = b[i]!;
        if (c >= 0x80) return utf8.decode(b.subarray(at, at + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(b.subarray(at, at + n));
  }
  private slice(n: number, what: string): Uint8Array {
    const at = this.need(n, what);
    return this.data.subarray(at, at + n);
  }

  string(): string {
    return this.text(this.int16Length(false, "string"));
  }
  nullableString(): string | null {
    const n = this.int16Length(true, "string");
    return n === -1 ? null : this.text(n);
  }
  compactString(): string {
    return this.text(this.compactLength(false, "compact string"));
  }
  compactNullableString(): string | null {
    const n = this.compactLength(true, "compact string");
    return n === -1 ? null : this.text(n);
  }

  bytes(): Uint8Array {
    return this.slice(this.int32Length(false, "bytes"), "bytes");
  }
  nullableBytes(): Uint8Array | null {
    const n = this.int32Length(true, "bytes");
    return n === -1 ? null : this.slice(n, "bytes");
  }
  compactBytes(): Uint8Array {
    return this.slice(this.compactLength(false, "compact bytes"), "compact bytes");
  }
  compactNullableBytes(): Uint8Array | null {
    const n = this.compactLength(true, "compact bytes");
    return n === -1 ? null : this.slice(n, "compact bytes");
  }

  // Every element takes at least one byte in the schemas we read, so a count above the bytes left is
  // malformed: rejecting it up front bounds the work a hostile count can cause (Kafka does the same).
  private elements<T>(n: number, read: (r: Reader) => T, at: number): T[] {
    if (n > this.end - this.offset) {
      const left = this.end - this.offset;
      throw new KafkaDecodeError("TRUNCATED", `array count ${n} at byte ${at} exceeds the ${left} bytes left`, at);
    }
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = read(this);
    return out;
  }

  array<T>(read: (r: Reader) => T): T[] {
    const at = this.offset;
    return this.elements(this.int32Length(false, "array"), read, at);
  }
  nullableArray<T>(read: (r: Reader) => T): T[] | null {
    const at = this.offset;
    const n = this.int32Length(true, "array");
    return n === -1 ? null : this.elements(n, read, at);
  }
  compactArray<T>(read: (r: Reader) => T): T[] {
    const at = this.offset;
    return this.elements(this.compactLength(false, "compact array"), read, at);
  }
  compactNullableArray<T>(read: (r: Reader) => T): T[] | null {
    const at = this.offset;
    const n = this.compactLength(true, "compact array");
    return n === -1 ? null : this.elements(n, read, at);
  }

  /**
   * A tagged-field section. Tags we know nothing about are skipped; pass `onTag` to read specific ones
   * (it receives a reader bounded to that field's bytes).
   */
  taggedFields(onTag?: (tag: number, field: Reader) => void): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const at = this.need(size, "tagged field");
      if (onTag) onTag(tag, new Reader(this.data, at, at + size));
    }
  }
}
