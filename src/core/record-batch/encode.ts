// encodeRecordBatch: JS lays the records out flat in linear memory (layout: assembly/record-batch-encode.ts),
// one WASM call computes the varints, record lengths, header and CRC.
//
// Behavior: key/value bytes are copied in with one `set` each; strings are UTF-8-encoded straight into
// linear memory (short ASCII by a loop, the rest by TextEncoder.encodeInto), never through a temporary.
// The input region is sized from a bound (3 bytes per UTF-16 unit) and the output from the core's bound
// (61 + input + 12/record + 2/header), so the call cannot run out of space. The result is a fresh copy.

import { InvalidArgumentError } from "../../errors/index.js";
import { heap, heapView, Region } from "../instance.js";
import { throwForStatus } from "../throw-status.js";
import { utf8 } from "../utf8.js";
import { Attributes, BATCH_HEADER_SIZE, ENCODE_PARAMS_SIZE, rb, type EncodeOptions, type RecordInput } from "./types.js";

const input = new Region(256 * 1024);
const output = new Region(256 * 1024);
const TWO_32 = 4294967296;

function int(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function int64(value: bigint, what: string): bigint {
  if (typeof value !== "bigint" || BigInt.asIntN(64, value) !== value) throw new InvalidArgumentError(`${what} must be an int64 bigint, got ${value}`);
  return value;
}

function bytesBound(v: Uint8Array | string | null | undefined): number {
  return v == null ? 0 : typeof v === "string" ? v.length * 3 : v.length;
}

/** UTF-8 of `text` at mem[p..]; returns the byte count. Room for 3 bytes per UTF-16 unit is reserved. */
function writeUtf8(mem: Uint8Array, p: number, text: string): number {
  const n = text.length;
  if (n <= 32) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      mem[p + i] = c;
    }
    if (i === n) return n;
  }
  return utf8.encoder.encodeInto(text, mem.subarray(p, p + n * 3)).written;
}

/** Writes `i32 length (-1 = null) | bytes` at p; returns the position after. */
function writeField(mem: Uint8Array, view: DataView, p: number, v: Uint8Array | string | null | undefined): number {
  if (v == null) {
    view.setInt32(p, -1, true);
    return p + 4;
  }
  let n: number;
  if (typeof v === "string") {
    n = writeUtf8(mem, p + 4, v);
  } else {
    n = v.length;
    mem.set(v, p + 4);
  }
  view.setInt32(p, n, true);
  return p + 4 + n;
}

/**
 * Encodes `records` as one uncompressed RecordBatch v2. baseTimestamp is the first record's timestamp
 * (Kafka's choice; later deltas may be negative), maxTimestamp the largest. An empty batch needs an
 * explicit `lastOffsetDelta` (compaction can leave a batch with no records that keeps its offsets; it gets
 * timestamps -1); without one it is an InvalidArgumentError, as are out-of-range options, non-integer or
 * unsafe timestamps, and offset deltas that do not strictly increase or exceed lastOffsetDelta.
 */
export function encodeRecordBatch(records: RecordInput[], options: EncodeOptions = {}): Uint8Array {
  const count = records.length;
  const baseOffset = int64(options.baseOffset ?? 0n, "baseOffset");
  const producerId = int64(options.producerId ?? -1n, "producerId");
  const producerEpoch = int(options.producerEpoch ?? -1, -32768, 32767, "producerEpoch");
  const baseSequence = int(options.baseSequence ?? -1, -0x80000000, 0x7fffffff, "baseSequence");
  const leaderEpoch = int(options.partitionLeaderEpoch ?? -1, -0x80000000, 0x7fffffff, "partitionLeaderEpoch");
  const attributes = int(options.attributes ?? 0, 0, 0xffff, "attributes");
  if ((attributes & Attributes.COMPRESSION_MASK) !== 0) {
    throw new InvalidArgumentError("encodeRecordBatch writes uncompressed batches: attributes must not set compression bits");
  }
  if (count === 0 && options.lastOffsetDelta === undefined) {
    throw new InvalidArgumentError("an empty batch needs an explicit lastOffsetDelta");
  }

  // Pass 1: bounds, so both regions are reserved before any view of memory is taken.
  let bound = ENCODE_PARAMS_SIZE;
  let headerTotal = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    bound += 24 + bytesBound(r.key) + bytesBound(r.value);
    const headers = r.headers;
    if (headers !== undefined) {
      headerTotal += headers.length;
      for (let h = 0; h < headers.length; h++) bound += 8 + headers[h]!.key.length * 3 + bytesBound(headers[h]!.value);
    }
  }
  if (bound > 0x7fff0000) throw new InvalidArgumentError(`batch too large to encode (${bound} bytes bound)`);
  const outCap = BATCH_HEADER_SIZE + (bound - ENCODE_PARAMS_SIZE) + 12 * count + 2 * headerTotal;
  const outPtr = output.reserve(outCap);
  const inPtr = input.reserve(bound);
  const mem = heap();
  const view = heapView();

  // Pass 2: the flat description.
  let now = -1;
  let prev = -1;
  let p = inPtr + ENCODE_PARAMS_SIZE;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    let ts = r.timestamp;
    if (ts === undefined) ts = now < 0 ? (now = Date.now()) : now;
    else if (!Number.isSafeInteger(ts)) throw new InvalidArgumentError(`record ${i}: timestamp must be a safe integer, got ${ts}`);
    const offsetDelta = r.offsetDelta ?? i;
    if (!Number.isInteger(offsetDelta) || offsetDelta <= prev || offsetDelta > 0x7fffffff) {
      throw new InvalidArgumentError(`record ${i}: offsetDelta must strictly increase within [0, 2^31), got ${offsetDelta}`);
    }
    prev = offsetDelta;
    const hi = Math.floor(ts / TWO_32);
    view.setUint32(p, ts - hi * TWO_32, true);
    view.setInt32(p + 4, hi, true);
    view.setInt32(p + 8, offsetDelta, true);
    p = writeField(mem, view, p + 12, r.key);
    p = writeField(mem, view, p, r.value);
    const headers = r.headers;
    const hc = headers === undefined ? 0 : headers.length;
    view.setInt32(p, hc, true);
    p += 4;
    for (let h = 0; h < hc; h++) {
      const header = headers![h]!;
      if (typeof header.key !== "string") throw new InvalidArgumentError(`record ${i}: header keys must be strings`);
      p = writeField(mem, view, p, header.key);
      p = writeField(mem, view, p, header.value);
    }
  }
  const lastOffsetDelta = int(options.lastOffsetDelta ?? prev, Math.max(prev, 0), 0x7fffffff, "lastOffsetDelta");

  view.setBigInt64(inPtr, baseOffset, true);
  view.setBigInt64(inPtr + 8, producerId, true);
  view.setInt32(inPtr + 16, leaderEpoch, true);
  view.setInt32(inPtr + 20, attributes, true);
  view.setInt32(inPtr + 24, lastOffsetDelta, true);
  view.setInt32(inPtr + 28, producerEpoch, true);
  view.setInt32(inPtr + 32, baseSequence, true);
  view.setInt32(inPtr + 36, count, true);

  const size = rb.batch_encode(inPtr, p - inPtr, outPtr, outCap);
  if (size < 0) throwForStatus(size, "encodeRecordBatch");
  return heap().slice(outPtr, outPtr + size);
}
