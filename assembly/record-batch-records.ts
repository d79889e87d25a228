// RecordBatch v2 records: the one walk that validates them and, given tables, decodes them.
//
// A record (DefaultRecord.java:39-50; varint = zigzag):
//
//   length varint | attributes i8 | timestampDelta varlong | offsetDelta varint | keyLen varint | key |
//   valueLen varint | value | headerCount varint | headerCount x (keyLen varint | key | valueLen varint | value)
//
// `length` covers everything after itself; keyLen/valueLen -1 mean null (a header key cannot be null).
//
// Decoding writes two little-endian tables the JS side reads through typed arrays. Offsets are relative to
// `origin` (the batch start, or the start of a decompressed records buffer) so JS can take zero-copy
// subarrays of its own copy of the input. Lengths of -1 mean null.
//
//   record entry, RECORD_ENTRY_SIZE = 40 bytes, 8-aligned
//   +0                  +8                  +16     +20     +24     +28     +32     +36     +40
//   +-------------------+-------------------+-------+-------+-------+-------+-------+-------+
//   |offset        i64  |timestamp     f64  |keyOff |keyLen |valOff |valLen |hdrCnt |hdrIdx |
//   +-------------------+-------------------+-------+-------+-------+-------+-------+-------+
//     absolute: baseOffset + offsetDelta; timestamp absolute ms (maxTimestamp under LogAppendTime, as
//     Kafka reports it); hdrIdx = index of the record's first entry in the header table.
//
//   header entry, HEADER_ENTRY_SIZE = 16 bytes
//   +0      +4      +8      +12     +16
//   +-------+-------+-------+-------+
//   |keyOff |keyLen |valOff |valLen |
//   +-------+-------+-------+-------+
//
// The offset is precomputed here so JS makes its BigInt with one BigInt64Array read, and the timestamp is an
// f64 so JS never touches a BigInt for it.

import {
  ATTR_COMPRESSION_MASK,
  ATTR_LOG_APPEND_TIME,
  be16,
  be32,
  be64,
  checkHeader,
  frameSize,
  HEADER_SIZE,
  OFF_ATTRIBUTES,
  OFF_BASE_TIMESTAMP,
  OFF_COUNT,
  OFF_LAST_OFFSET_DELTA,
  OFF_MAX_TIMESTAMP,
} from "./record-batch-header";
import {
  STATUS_BAD_ARGUMENT,
  STATUS_BAD_COUNT,
  STATUS_BAD_LENGTH,
  STATUS_BAD_RECORD,
  STATUS_BAD_VARINT,
  STATUS_OK,
  STATUS_OUT_OF_SPACE,
  STATUS_UNSUPPORTED_COMPRESSION,
} from "./status";
import { readVarint, readVarlong, varintEnd, varintError } from "./varint";

/** batch_decode flags. */
export const DECODE_SKIP_CRC: i32 = 4; // same bit as VALIDATE_SKIP_CRC

const RECORD_ENTRY_SIZE: usize = 40;
const HEADER_ENTRY_SIZE: usize = 16;
/** Smallest record: a 1-byte length and six 1-byte fields (attributes, ts, offset, key, value, headers). */
const MIN_RECORD_SIZE: i64 = 7;

/** Header entries the last walk found (so JS can size the header table and retry after OUT_OF_SPACE). */
let headersSeen: i32 = 0;

// A varint that ran past its record is a record-level fault; one with too many bytes is its own.
// @ts-ignore: decorator
@inline function varintFault(): i32 {
  return varintError == STATUS_BAD_VARINT ? STATUS_BAD_VARINT : STATUS_BAD_RECORD;
}

/**
 * Walks `count` records filling [p, end) exactly. With table == 0 it only validates; otherwise it also
 * writes a record entry per record (tableCap entries available) and header entries while hdrCap allows.
 * `hdr` points at the batch header, read for baseOffset and timestamps. strict: offsetDelta[i] == i;
 * otherwise deltas strictly increase and stay <= lastOffsetDelta. Returns count or a negative status.
 */
export function walkRecords(
  origin: usize, p: usize, end: usize, count: i32, lastOffsetDelta: i32, strict: bool,
  hdr: usize, table: usize, tableCap: i32, hdrTable: usize, hdrCap: i32,
): i32 {
  headersSeen = 0;
  // Cheap early reject that also bounds what JS must allocate for an untrusted count.
  if (<i64>count * MIN_RECORD_SIZE > <i64>(end - p)) return STATUS_BAD_COUNT;
  if (table != 0 && count > tableCap) return STATUS_OUT_OF_SPACE;
  const baseOffset = be64(hdr);
  const baseTimestamp = be64(hdr + OFF_BASE_TIMESTAMP);
  const logAppendTime = (be16(hdr + OFF_ATTRIBUTES) & ATTR_LOG_APPEND_TIME) != 0;
  const maxTimestamp = be64(hdr + OFF_MAX_TIMESTAMP);

  let prev: i32 = -1;
  let nh: i32 = 0;
  for (let i: i32 = 0; i < count; i++) {
    if (p >= end) return STATUS_BAD_COUNT; // fewer records than count
    const length = readVarint(p, end);
    if (varintEnd == 0) return varintFault();
    p = varintEnd;
    if (length < 6 || <usize>length > end - p) return STATUS_BAD_RECORD;
    const rend = p + <usize>length;
    p++; // record attributes: unused since Kafka 0.11
    const tsDelta = readVarlong(p, rend);
    if (varintEnd == 0) return varintFault();
    p = varintEnd;
    const od = readVarint(p, rend);
    if (varintEnd == 0) return varintFault();
    p = varintEnd;
    if (strict ? od != i : od <= prev) return STATUS_BAD_COUNT;
    prev = od;

    const kl = readVarint(p, rend);
    if (varintEnd == 0) return varintFault();
    p = varintEnd;
    const ko = p;
    if (kl < -1) return STATUS_BAD_RECORD;
    if (kl > 0) {
      if (<usize>kl > rend - p) return STATUS_BAD_RECORD;
      p += <usize>kl;
    }
    const vl = readVarint(p, rend);
    if (varintEnd == 0) return varintFault();
    p = varintEnd;
    const vo = p;
    if (vl < -1) return STATUS_BAD_RECORD;
    if (vl > 0) {
      if (<usize>vl > rend - p) return STATUS_BAD_RECORD;
      p += <usize>vl;
    }

    const hc = readVarint(p, rend);
    if (varintEnd == 0) return varintFault();
    p = varintEnd;
    if (hc < 0) return STATUS_BAD_RECORD;
    const firstHeader = nh;
    // Each header consumes at least 2 bytes or fails, so the loop is bounded by the record's length.
    for (let h: i32 = 0; h < hc; h++) {
      const hkl = readVarint(p, rend);
      if (varintEnd == 0) return varintFault();
      p = varintEnd;
      if (hkl < 0 || <usize>hkl > rend - p) return STATUS_BAD_RECORD;
      const hko = p;
      p += <usize>hkl;
      const hvl = readVarint(p, rend);
      if (varintEnd == 0) return varintFault();
      p = varintEnd;
      const hvo = p;
      if (hvl < -1) return STATUS_BAD_RECORD;
      if (hvl > 0) {
        if (<usize>hvl > rend - p) return STATUS_BAD_RECORD;
        p += <usize>hvl;
      }
      if (nh < hdrCap) {
        const he = hdrTable + <usize>nh * HEADER_ENTRY_SIZE;
        store<i32>(he, <i32>(hko - origin));
        store<i32>(he, hkl, 4);
        store<i32>(he, <i32>(hvo - origin), 8);
        store<i32>(he, hvl, 12);
      }
      nh++;
    }
    if (p != rend) return STATUS_BAD_RECORD; // length disagrees with the fields

    if (table != 0) {
      const e = table + <usize>i * RECORD_ENTRY_SIZE;
      store<i64>(e, baseOffset + <i64>od);
      store<f64>(e, <f64>(logAppendTime ? maxTimestamp : baseTimestamp + tsDelta), 8);
      store<i32>(e, <i32>(ko - origin), 16);
      store<i32>(e, kl, 20);
      store<i32>(e, <i32>(vo - origin), 24);
      store<i32>(e, vl, 28);
      store<i32>(e, hc, 32);
      store<i32>(e, firstHeader, 36);
    }
  }
  if (p != end) return STATUS_BAD_COUNT; // more records than count
  if (count > 0 && prev > lastOffsetDelta) return STATUS_BAD_COUNT;
  headersSeen = nh;
  if (table != 0 && nh > hdrCap) return STATUS_OUT_OF_SPACE;
  return count;
}

/**
 * Decodes the uncompressed batch occupying exactly [ptr, ptr+len) into the tables (offsets relative to ptr),
 * after checking its header (and CRC unless DECODE_SKIP_CRC). Returns the record count or a status;
 * OUT_OF_SPACE with batch_decode_header_count() > hdrCap means: retry with a larger header table.
 */
export function batch_decode(ptr: usize, len: i32, flags: i32, table: usize, tableCap: i32, hdrTable: usize, hdrCap: i32): i32 {
  if (len < 0 || tableCap < 0 || hdrCap < 0) return STATUS_BAD_ARGUMENT;
  const size = frameSize(ptr, len);
  if (size < 0) return size;
  if (size != len) return STATUS_BAD_LENGTH;
  const status = checkHeader(ptr, size, (flags & DECODE_SKIP_CRC) == 0);
  if (status != STATUS_OK) return status;
  if ((be16(ptr + OFF_ATTRIBUTES) & ATTR_COMPRESSION_MASK) != 0) return STATUS_UNSUPPORTED_COMPRESSION;
  const count = be32(ptr + OFF_COUNT);
  const lastOffsetDelta = be32(ptr + OFF_LAST_OFFSET_DELTA);
  return walkRecords(ptr, ptr + <usize>HEADER_SIZE, ptr + <usize>len, count, lastOffsetDelta, false, ptr, table, tableCap, hdrTable, hdrCap);
}

/**
 * Decodes a records section handed separately (JS decompressed it): `hdr` points at a copy of the batch's
 * 61-byte header (for count, baseOffset, timestamps), [recPtr, recPtr+recLen) holds the records. Offsets
 * in the tables are relative to recPtr. Returns the record count or a status.
 */
export function batch_decode_records(hdr: usize, recPtr: usize, recLen: i32, table: usize, tableCap: i32, hdrTable: usize, hdrCap: i32): i32 {
  if (recLen < 0 || tableCap < 0 || hdrCap < 0) return STATUS_BAD_ARGUMENT;
  const count = be32(hdr + OFF_COUNT);
  if (count < 0) return STATUS_BAD_COUNT;
  const lastOffsetDelta = be32(hdr + OFF_LAST_OFFSET_DELTA);
  return walkRecords(recPtr, recPtr, recPtr + <usize>recLen, count, lastOffsetDelta, false, hdr, table, tableCap, hdrTable, hdrCap);
}

/** Header entries found by the last decode or validate walk. */
export function batch_decode_header_count(): i32 {
  return headersSeen;
}
