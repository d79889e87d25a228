// Big-endian binary reader/writer for the WebSocket protocol's frames. Strings are u16 length + UTF-8,
// byte blocks u32 length + bytes, offsets i64. Plain Uint8Array/DataView: the same code runs in browsers.

import { RivuletError } from "../../errors/index.js";

/** A frame that does not parse. The connection that sent it is closed with close code 4000. */
export class WsProtocolError extends RivuletError {
  constructor(message: string) {
    super("PROTOCOL_ERROR", message);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class FrameWriter {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  // Callers must call reserve() before touching this.view: growth replaces the view.
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < at + n) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.buffer.subarray(0, at));
      this.buffer = next;
      this.view = new DataView(next.buffer);
    }
    this.length += n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }
  i8(v: number): this {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v);
    return this;
  }
  i16(v: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, v);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v);
    return this;
  }
  i32(v: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, v);
    return this;
  }
  i64(v: bigint): this {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v);
    return this;
  }
  string(s: string): this {
    const bytes = encoder.encode(s);
    if (bytes.length > 0xffff) throw new WsProtocolError(`string of ${bytes.length} bytes exceeds 65535`);
    this.u16(bytes.length);
    return this.raw(bytes);
  }
  /** u32 length + bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }
  /** Bytes with no length prefix (the tail of a frame). */
  raw(b: Uint8Array): this {
    // reserve() first: it may replace this.buffer (`this.buffer.set(b, this.reserve(n))` would write into
    // the old, too-small buffer).
    const at = this.reserve(b.length);
    this.buffer.set(b, at);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

export class FrameReader {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number, what: string): number {
    const at = this.offset;
    if (at + n > this.bytes.length) throw new WsProtocolError(`frame ends inside ${what} (needs ${n} bytes at ${at} of ${this.bytes.length})`);
    this.offset += n;
    return at;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(what = "u8"): number {
    return this.view.getUint8(this.take(1, what));
  }
  i8(what = "i8"): number {
    return this.view.getInt8(this.take(1, what));
  }
  u16(what = "u16"): number {
    return this.view.getUint16(this.take(2, what));
  }
  i16(what = "i16"): number {
    return this.view.getInt16(this.take(2, what));
  }
  u32(what = "u32"): number {
    return this.view.getUint32(this.take(4, what));
  }
  i32(what = "i32"): number {
    return this.view.getInt32(this.take(4, what));
  }
  i64(what = "i64"): bigint {
    return this.view.getBigInt64(this.take(8, what));
  }
  string(what = "string"): string {
    const n = this.u16(`${what} length`);
    const at = this.take(n, what);
    try {
      return decoder.decode(this.bytes.subarray(at, at + n));
    } catch {
      throw new WsProtocolError(`${what} is not valid UTF-8`);
    }
  }
  /** u32 length + bytes, as a view of the frame (no copy). */
  bytesView(what = "bytes"): Uint8Array {
    const n = this.u32(`${what} length`);
    const at = this.take(n, what);
    return this.bytes.subarray(at, at + n);
  }
  /** The rest of the frame, as a view. */
  rest(): Uint8Array {
    const at = this.offset;
    this.offset = this.bytes.length;
    return this.bytes.subarray(at);
  }
  /** A count field, refused if it could not possibly fit in what remains (each item >= minItemBytes). */
  count16(what: string, minItemBytes: number): number {
    const n = this.u16(`${what} count`);
    if (n * minItemBytes > this.remaining) throw new WsProtocolError(`${what} count ${n} cannot fit in ${this.remaining} remaining bytes`);
    return n;
  }
  end(): void {
    if (this.offset !== this.bytes.length) throw new WsProtocolError(`${this.bytes.length - this.offset} unexpected bytes after the frame body`);
  }
}
