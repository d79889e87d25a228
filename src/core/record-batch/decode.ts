// decodeRecordBatch: one WASM call validates the batch and fills the decode tables (layout:
// assembly/record-batch-records.ts); JS then turns table rows into record objects (decodeBatchRows hands
// out the rows themselves, for callers that build records of their own shape).
//
// Behavior:
// - Uncompressed: the batch is copied into linear memory once; batch_decode checks framing, magic, CRC
//   (unless verify: false) and every record, and writes the tables. key/value are subarrays of the
//   caller's `batch` (zero copy): they alias it.
// - Compressed (ids 1..4): header and CRC are checked first, then `options.decompress` inflates [61, end)
//   and batch_decode_records decodes that buffer; key/value alias the decompressed buffer. Without a
//   `decompress` option: KafkaProtocolError UNSUPPORTED_COMPRESSION_TYPE. Ids 5..7: CorruptRecordError.
// - The header table is sized from its previous high-water mark; a batch with more headers gets one retry
//   with the exact size (the core reports how many it found).
// - Records without headers share one frozen empty array (NO_HEADERS): one allocation less per record.

import { compressionAt, recordCountAt, viewOf } from "./layout.js";
import { KafkaProtocolError } from "../../errors/index.js";
import { heap, Region } from "../instance.js";
import { Status } from "../status.js";
import { throwForStatus } from "../throw-status.js";
import { utf8 } from "../utf8.js";
import { batchInput, readBatchHeader } from "./header.js";
import {
  BATCH_HEADER_SIZE,
  HEADER_ENTRY_SIZE,
  rb,
  RECORD_ENTRY_SIZE,
  VALIDATE_HEADER_ONLY,
  VALIDATE_SKIP_CRC,
  type BatchHeader,
  type DecodedBatch,
  type DecodedRecord,
  type DecodeOptions,
  type RecordHeader,
} from "./types.js";

const table = new Region(64 * 1024);
const headerTable = new Region(16 * 1024);
const EMPTY_I32 = new Int32Array(0);

/** Header keys are short ASCII in practice: a loop beats TextDecoder's call overhead there. */
function headerKey(src: Uint8Array, off: number, len: number): string {
  if (len <= 32) {
    let s = "";
    for (let i = 0; i < len; i++) {
      const c = src[off + i]!;
      if (c >= 0x80) return utf8.decode(src.subarray(off, off + len));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(src.subarray(off, off + len));
}

/**
 * Records of a batch usually carry the same header keys in the same order, so the key decoded for slot h of
 * the previous record is remembered (its bytes' offset and length) and reused when the bytes match:
 * comparing a few bytes is cheaper than building the string again.
 */
class KeyCache {
  offsets: number[] = [];
  lengths: number[] = [];
  keys: string[] = [];

  key(src: Uint8Array, slot: number, off: number, len: number): string {
    if (slot < this.keys.length && this.lengths[slot] === len) {
      const prev = this.offsets[slot]!;
      let i = 0;
      while (i < len && src[prev + i] === src[off + i]) i++;
      if (i === len) return this.keys[slot]!;
    }
    const key = headerKey(src, off, len);
    if (slot <= this.keys.length && slot < 16) {
      this.offsets[slot] = off;
      this.lengths[slot] = len;
      this.keys[slot] = key;
    }
    return key;
  }
}

function readHeaders(src: Uint8Array, hw: Int32Array, first: number, count: number, cache: KeyCache): RecordHeader[] {
  const headers = new Array<RecordHeader>(count);
  for (let h = 0; h < count; h++) {
    const e = (first + h) * 4;
    const vl = hw[e + 3]!;
    headers[h] = {
      key: cache.key(src, h, hw[e]!, hw[e + 1]!),
      value: vl < 0 ? null : new Uint8Array(src.buffer, src.byteOffset + hw[e + 2]!, vl),
    };
  }
  return headers;
}

/** Most records a records section of `bytes` can hold (7 bytes each at least): caps the table for an untrusted count. */
function tableEntries(count: number, bytes: number): number {
  return Math.max(0, Math.min(count, Math.floor(bytes / 7)));
}

type Decoder = (tablePtr: number, tableCap: number, hdrPtr: number, hdrCap: number, retry: boolean) => number;

/** Runs a decode call, growing the header table once if the core asks; returns the record count. */
function runDecode(entries: number, decode: Decoder): { count: number; tablePtr: number; hdrPtr: number; headers: number } {
  const tablePtr = table.reserve(Math.max(entries, 1) * RECORD_ENTRY_SIZE);
  let hdrPtr = headerTable.reserve(1024 * HEADER_ENTRY_SIZE);
  let hdrCap = Math.floor(headerTable.size / HEADER_ENTRY_SIZE);
  let count = decode(tablePtr, entries, hdrPtr, hdrCap, false);
  if (count === Status.OUT_OF_SPACE && rb.batch_decode_header_count() > hdrCap) {
    hdrCap = rb.batch_decode_header_count();
    hdrPtr = headerTable.reserve(hdrCap * HEADER_ENTRY_SIZE);
    count = decode(tablePtr, entries, hdrPtr, hdrCap, true);
  }
  if (count < 0) throwForStatus(count, "record batch");
  return { count, tablePtr, hdrPtr, headers: rb.batch_decode_header_count() };
}

/**
 * Records carry no headers far more often than not: they all share this one frozen array instead of one
 * empty array each (a consumer that must add headers copies the array first).
 */
export const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

/**
 * A home for decoded tables outside the core's linear memory, owned by one reader and reused from batch to
 * batch (grown, never shrunk): rows decoded into it stay readable whatever is decoded next on this thread
 * (the core's own tables are overwritten by the next decode, and its memory's growth detaches them).
 */
export class RowStore {
  buffer = new ArrayBuffer(0);

  /** The store's buffer with at least `bytes` bytes (its contents are not kept across growth). */
  reserve(bytes: number): ArrayBuffer {
    if (bytes > this.buffer.byteLength) this.buffer = new ArrayBuffer(Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(bytes))));
    return this.buffer;
  }
}

/**
 * The decoded rows of the batch decoded last, read one field at a time: what decodeRecordBatch builds its
 * records from, and what a caller that builds records of its own shape (the client's consumer) reads
 * directly, so no intermediate record object or array is made. Without a RowStore the tables live in the
 * core's linear memory and are reused: a DecodedRows is then valid only until the next decode on this
 * thread, so read it at once. With one, the tables are copied there and stay valid until the store is used
 * again. key/value/header values are made here as views of the decoded bytes (no copy); the *Start/*Length
 * accessors and offsetNumber() read the same fields without allocating anything.
 */
export class DecodedRows {
  readonly count: number;
  /** The bytes keys and values are in (keyStart/valueStart are indices into it): the batch, or its records decompressed. */
  readonly bytes: Uint8Array;
  private readonly w: Int32Array;
  private readonly ts: Float64Array;
  private readonly offsets: BigInt64Array;
  private readonly hw: Int32Array;
  private readonly srcBuffer: ArrayBufferLike;
  private readonly base: number;
  private readonly cache = new KeyCache();

  constructor(
    src: Uint8Array,
    r: { count: number; tablePtr: number; hdrPtr: number; headers: number },
    store?: RowStore,
  ) {
    const { count } = r;
    const recordBytes = count * RECORD_ENTRY_SIZE;
    const headerBytes = r.headers * HEADER_ENTRY_SIZE;
    let buffer: ArrayBufferLike = heap().buffer;
    let tablePtr = r.tablePtr;
    let hdrPtr = r.hdrPtr;
    if (store) {
      // Record entries first, header entries after them (RECORD_ENTRY_SIZE keeps them 8-byte aligned).
      const core = buffer;
      buffer = store.reserve(recordBytes + headerBytes);
      new Uint8Array(buffer, 0, recordBytes).set(new Uint8Array(core, tablePtr, recordBytes));
      if (headerBytes > 0) new Uint8Array(buffer, recordBytes, headerBytes).set(new Uint8Array(core, hdrPtr, headerBytes));
      tablePtr = 0;
      hdrPtr = recordBytes;
    }
    this.count = count;
    this.bytes = src;
    this.w = new Int32Array(buffer, tablePtr, count * (RECORD_ENTRY_SIZE >> 2));
    this.ts = new Float64Array(buffer, tablePtr, count * (RECORD_ENTRY_SIZE >> 3));
    this.offsets = new BigInt64Array(buffer, tablePtr, count * (RECORD_ENTRY_SIZE >> 3));
    this.hw = r.headers === 0 ? EMPTY_I32 : new Int32Array(buffer, hdrPtr, r.headers * (HEADER_ENTRY_SIZE >> 2));
    this.srcBuffer = src.buffer;
    this.base = src.byteOffset;
  }

  /** Absolute offset of row i (baseOffset + offsetDelta). */
  offset(i: number): bigint {
    return this.offsets[i * 5]!;
  }

  /**
   * offset(i) as a number, without making a bigint: exact up to 2^53 - 1 (a partition written at 10 M
   * records/s takes 28 years to get there).
   */
  offsetNumber(i: number): number {
    // Little-endian int64: low word first; offsets are never negative.
    return this.w[i * 10 + 1]! * 4294967296 + (this.w[i * 10]! >>> 0);
  }

  /** The first row at or after `offset` (count if none): rows ascend, so only rows before it are read. */
  firstAtOrAfter(offset: bigint): number {
    let i = 0;
    while (i < this.count && this.offsets[i * 5]! < offset) i++;
    return i;
  }

  timestamp(i: number): number {
    return this.ts[i * 5 + 1]!;
  }

  // `new Uint8Array(buffer, offset, length)` rather than subarray(): half the cost (no species lookup), and
  // a plain Uint8Array whatever the input's class.
  key(i: number): Uint8Array | null {
    const kl = this.w[i * 10 + 5]!;
    return kl < 0 ? null : new Uint8Array(this.srcBuffer, this.base + this.w[i * 10 + 4]!, kl);
  }

  value(i: number): Uint8Array | null {
    const vl = this.w[i * 10 + 7]!;
    return vl < 0 ? null : new Uint8Array(this.srcBuffer, this.base + this.w[i * 10 + 6]!, vl);
  }

  /** Where row i's key starts in `bytes`. */
  keyStart(i: number): number {
    return this.w[i * 10 + 4]!;
  }

  /** Row i's key length, -1 for a null key. */
  keyLength(i: number): number {
    return this.w[i * 10 + 5]!;
  }

  /** Where row i's value starts in `bytes`. */
  valueStart(i: number): number {
    return this.w[i * 10 + 6]!;
  }

  /** Row i's value length, -1 for a null value. */
  valueLength(i: number): number {
    return this.w[i * 10 + 7]!;
  }

  /** The record's headers; records without any share NO_HEADERS (frozen). */
  headers(i: number): RecordHeader[] {
    const hc = this.w[i * 10 + 8]!;
    return hc === 0 ? NO_HEADERS : readHeaders(this.bytes, this.hw, this.w[i * 10 + 9]!, hc, this.cache);
  }
}

/** One decoded record: a class, so every record has one shape with its fields in the object itself. */
class BatchRecord implements DecodedRecord {
  constructor(
    public offset: bigint,
    public timestamp: number,
    public key: Uint8Array | null,
    public value: Uint8Array | null,
    public headers: RecordHeader[],
  ) {}
}

function buildRecords(rows: DecodedRows): DecodedRecord[] {
  const count = rows.count;
  const records = new Array<DecodedRecord>(count);
  for (let i = 0; i < count; i++) records[i] = new BatchRecord(rows.offset(i), rows.timestamp(i), rows.key(i), rows.value(i), rows.headers(i));
  return records;
}

/**
 * Checks and decodes one RecordBatch v2 exactly as decodeRecordBatch does (same checks, same errors) but
 * returns the rows instead of record objects. Without `store`, read them before decoding anything else on
 * this thread; with it, they stay valid until `store` is used again.
 */
export function decodeBatchRows(batch: Uint8Array, options: DecodeOptions = {}, store?: RowStore): DecodedRows {
  return decodeRows(batch, options, store).rows;
}

/**
 * Decodes one RecordBatch v2 (exactly the bytes of one batch). Throws CorruptRecordError on any structural
 * fault (CRC too unless `verify: false`).
 */
export function decodeRecordBatch(batch: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  const { header, rows } = decodeRows(batch, options);
  return Object.assign(header ?? readBatchHeader(batch), { records: buildRecords(rows) });
}

/** The decode proper; `header` is set when the compressed path had to read it anyway. */
function decodeRows(batch: Uint8Array, options: DecodeOptions, store?: RowStore): { header: BatchHeader | undefined; rows: DecodedRows } {
  const skipCrc = options.verify === false ? VALIDATE_SKIP_CRC : 0;
  const compression = batch.length >= BATCH_HEADER_SIZE ? compressionAt(viewOf(batch), 0) : 0;

  if (compression === 0) {
    const ptr = batchInput.load(batch);
    const count = batch.length >= BATCH_HEADER_SIZE ? recordCountAt(viewOf(batch), 0) : 0;
    const decoded = runDecode(tableEntries(count, batch.length - BATCH_HEADER_SIZE), (t, tc, h, hc, retry) =>
      rb.batch_decode(ptr, batch.length, retry ? VALIDATE_SKIP_CRC : skipCrc, t, tc, h, hc),
    );
    return { header: undefined, rows: new DecodedRows(batch, decoded, store) };
  }

  const status = rb.batch_validate(batchInput.load(batch), batch.length, VALIDATE_HEADER_ONLY | skipCrc);
  if (status < 0) throwForStatus(status, "record batch");
  const header = readBatchHeader(batch);
  if (options.decompress === undefined) {
    throw new KafkaProtocolError("UNSUPPORTED_COMPRESSION_TYPE", `record batch uses compression ${compression} and no decompress option was given`);
  }
  const data = options.decompress(compression, batch.subarray(BATCH_HEADER_SIZE));
  // [header copy | decompressed records]: the core reads count, base offset and timestamps from the copy.
  const ptr = batchInput.reserve(BATCH_HEADER_SIZE + data.length);
  const mem = heap();
  mem.set(batch.subarray(0, BATCH_HEADER_SIZE), ptr);
  mem.set(data, ptr + BATCH_HEADER_SIZE);
  const decoded = runDecode(tableEntries(header.recordCount, data.length), (t, tc, h, hc) =>
    rb.batch_decode_records(ptr, ptr + BATCH_HEADER_SIZE, data.length, t, tc, h, hc),
  );
  return { header, rows: new DecodedRows(data, decoded, store) };
}
