// decodeRecordBatch: one WASM call validates the batch and fills the decode tables (layout:
// assembly/record-batch-records.ts); JS then turns table rows into record objects.
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

function buildRecords(src: Uint8Array, r: { count: number; tablePtr: number; hdrPtr: number; headers: number }): DecodedRecord[] {
  const { count, tablePtr } = r;
  const buffer = heap().buffer;
  const w = new Int32Array(buffer, tablePtr, count * (RECORD_ENTRY_SIZE >> 2));
  const ts = new Float64Array(buffer, tablePtr, count * (RECORD_ENTRY_SIZE >> 3));
  const offsets = new BigInt64Array(buffer, tablePtr, count * (RECORD_ENTRY_SIZE >> 3));
  const hw = r.headers === 0 ? EMPTY_I32 : new Int32Array(buffer, r.hdrPtr, r.headers * (HEADER_ENTRY_SIZE >> 2));
  const records = new Array<DecodedRecord>(count);
  // `new Uint8Array(buffer, offset, length)` rather than subarray(): half the cost (no species lookup), and
  // a plain Uint8Array whatever the input's class.
  const srcBuffer = src.buffer;
  const base = src.byteOffset;
  const cache = new KeyCache();
  for (let i = 0; i < count; i++) {
    const e = i * 10;
    const ko = w[e + 4]!;
    const kl = w[e + 5]!;
    const vo = w[e + 6]!;
    const vl = w[e + 7]!;
    const hc = w[e + 8]!;
    records[i] = {
      offset: offsets[i * 5]!,
      timestamp: ts[i * 5 + 1]!,
      key: kl < 0 ? null : new Uint8Array(srcBuffer, base + ko, kl),
      value: vl < 0 ? null : new Uint8Array(srcBuffer, base + vo, vl),
      headers: hc === 0 ? [] : readHeaders(src, hw, w[e + 9]!, hc, cache),
    };
  }
  return records;
}

/**
 * Decodes one RecordBatch v2 (exactly the bytes of one batch). Throws CorruptRecordError on any structural
 * fault (CRC too unless `verify: false`).
 */
export function decodeRecordBatch(batch: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  const skipCrc = options.verify === false ? VALIDATE_SKIP_CRC : 0;
  const compression = batch.length >= BATCH_HEADER_SIZE ? compressionAt(viewOf(batch), 0) : 0;

  if (compression === 0) {
    const ptr = batchInput.load(batch);
    const count = batch.length >= BATCH_HEADER_SIZE ? recordCountAt(viewOf(batch), 0) : 0;
    const decoded = runDecode(tableEntries(count, batch.length - BATCH_HEADER_SIZE), (t, tc, h, hc, retry) =>
      rb.batch_decode(ptr, batch.length, retry ? VALIDATE_SKIP_CRC : skipCrc, t, tc, h, hc),
    );
    const header = readBatchHeader(batch);
    return Object.assign(header, { records: buildRecords(batch, decoded) });
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
  return Object.assign(header, { records: buildRecords(data, decoded) });
}
