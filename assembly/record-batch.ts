// RecordBatch v2: whole-batch validation and the segment scanner. The header layout and shared checks are in
// record-batch-header.ts; record decoding in record-batch-records.ts; encoding in record-batch-encode.ts.
//
// The scanner's output (little-endian, written here, read by JS through typed arrays; 8-aligned):
//
//   out+0        +4           +8           +12          +16
//   +------------+------------+------------+------------+---------------------- entries[n] ---
//   |stopStatus  |validBytes  |entries n   |(zero)      | SCAN_ENTRY_SIZE = 40 bytes each
//   +------------+------------+------------+------------+------------------------------------
//
//   entry  +0                  +8                  +16     +20     +24     +28     +32     +36     +40
//          +-------------------+-------------------+-------+-------+-------+-------+-------+-------+
//          |baseOffset    i64  |maxTimestamp  f64  |pos    |size   |lastOD |count  |attrs  |leadEp |
//          +-------------------+-------------------+-------+-------+-------+-------+-------+-------+
//
// maxTimestamp is an f64 so JS reads a number without a BigInt round trip (ms timestamps are < 2^53).

import {
  ATTR_COMPRESSION_MASK,
  be16,
  be32,
  be64,
  checkHeader,
  frameSize,
  HEADER_SIZE,
  OFF_ATTRIBUTES,
  OFF_COUNT,
  OFF_LAST_OFFSET_DELTA,
  OFF_LEADER_EPOCH,
  OFF_MAX_TIMESTAMP,
} from "./record-batch-header";
import { walkRecords } from "./record-batch-records";
import { STATUS_BAD_ARGUMENT, STATUS_BAD_COUNT, STATUS_BAD_LENGTH, STATUS_OK, STATUS_OUT_OF_SPACE } from "./status";

/** batch_validate flags. */
export const VALIDATE_STRICT: i32 = 1; // producer rules: count > 0, lastOffsetDelta == count-1, offsetDelta[i] == i
export const VALIDATE_HEADER_ONLY: i32 = 2; // skip the record walk
export const VALIDATE_SKIP_CRC: i32 = 4;
/** batch_scan flags. */
export const SCAN_VERIFY_CRC: i32 = 1;

const SCAN_SUMMARY_SIZE: usize = 16;
const SCAN_ENTRY_SIZE: usize = 40;

/**
 * Validates the one batch occupying exactly [ptr, ptr+len). Uncompressed batches also get every record
 * walked (length varints, field bounds, offset-delta order, count) unless VALIDATE_HEADER_ONLY; compressed
 * batches are checked up to the CRC (their records need decompressing first, which JS does).
 * Returns OK or a negative status.
 */
export function batch_validate(ptr: usize, len: i32, flags: i32): i32 {
  if (len < 0) return STATUS_BAD_ARGUMENT;
  const size = frameSize(ptr, len);
  if (size < 0) return size;
  if (size != len) return STATUS_BAD_LENGTH;
  const status = checkHeader(ptr, size, (flags & VALIDATE_SKIP_CRC) == 0);
  if (status != STATUS_OK) return status;

  const count = be32(ptr + OFF_COUNT);
  const lastOffsetDelta = be32(ptr + OFF_LAST_OFFSET_DELTA);
  const strict = (flags & VALIDATE_STRICT) != 0;
  // Kafka's LogValidator.validateBatch: a produced batch is non-empty and its deltas run 0..count-1.
  if (strict && (count == 0 || lastOffsetDelta != count - 1)) return STATUS_BAD_COUNT;
  if ((be16(ptr + OFF_ATTRIBUTES) & ATTR_COMPRESSION_MASK) != 0 || (flags & VALIDATE_HEADER_ONLY) != 0) return STATUS_OK;

  const walked = walkRecords(ptr, ptr + <usize>HEADER_SIZE, ptr + <usize>len, count, lastOffsetDelta, strict, ptr, 0, 0, 0, 0);
  return walked < 0 ? walked : STATUS_OK;
}

/**
 * Walks consecutive batches in [ptr, ptr+len) without decoding records, writing one entry per valid batch
 * until the input ends, a batch is incomplete or corrupt, or `maxEntries` are written. Returns the number
 * of entries; out+0 holds why it stopped (OK: the input ended exactly on a batch boundary; OUT_OF_SPACE:
 * entries full, call again from validBytes; else the first bad batch's status) and out+4 the bytes the
 * entries cover, i.e. where a torn or corrupt tail begins.
 */
export function batch_scan(ptr: usize, len: i32, out: usize, maxEntries: i32, flags: i32): i32 {
  if (len < 0 || maxEntries < 0) return STATUS_BAD_ARGUMENT;
  const verifyCrc = (flags & SCAN_VERIFY_CRC) != 0;
  let pos: i32 = 0;
  let n: i32 = 0;
  let stop: i32 = STATUS_OK;
  while (pos < len) {
    if (n == maxEntries) {
      stop = STATUS_OUT_OF_SPACE;
      break;
    }
    const p = ptr + <usize>pos;
    const size = frameSize(p, len - pos);
    if (size < 0) {
      stop = size;
      break;
    }
    const status = checkHeader(p, size, verifyCrc);
    if (status != STATUS_OK) {
      stop = status;
      break;
    }
    const e = out + SCAN_SUMMARY_SIZE + <usize>n * SCAN_ENTRY_SIZE;
    store<i64>(e, be64(p));
    store<f64>(e, <f64>be64(p + OFF_MAX_TIMESTAMP), 8);
    store<i32>(e, pos, 16);
    store<i32>(e, size, 20);
    store<i32>(e, be32(p + OFF_LAST_OFFSET_DELTA), 24);
    store<i32>(e, be32(p + OFF_COUNT), 28);
    store<i32>(e, be16(p + OFF_ATTRIBUTES), 32);
    store<i32>(e, be32(p + OFF_LEADER_EPOCH), 36);
    n++;
    pos += size;
  }
  store<i32>(out, stop);
  store<i32>(out, pos, 4);
  store<i32>(out, n, 8);
  store<i32>(out, 0, 12);
  return n;
}
