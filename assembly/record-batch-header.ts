// RecordBatch v2 (magic 2) header: field access and the checks every batch operation shares.
//
// The header, big-endian on the wire (DefaultRecordBatch.java:44-135):
//
//   0        8        12       16  17       21    23       27       35       43       51    53       57       61
//   +--------+--------+--------+---+--------+-----+--------+--------+--------+--------+-----+--------+--------+----
//   |baseOff |batchLen|leaderEp|mag|crc32c  |attrs|lastOffD|baseTs  |maxTs   |prodId  |pEpo |baseSeq |count   |records
//   |i64     |i32     |i32     |i8 |u32     |i16  |i32     |i64     |i64     |i64     |i16  |i32     |i32     |...
//   +--------+--------+--------+---+--------+-----+--------+--------+--------+--------+-----+--------+--------+----
//                                            \______________ covered by the CRC: [21, 12 + batchLen) ____________/
//
// batchLen counts the bytes after itself, so a batch occupies 12 + batchLen bytes and the smallest one (no
// records) has batchLen 49. Bytes 0..7 and 12..15 lie outside the CRC: the broker stamps them on append.
// attrs: bits 0-2 compression (0 none .. 4 zstd), 3 LogAppendTime, 4 transactional, 5 control.

import { crc32c_update } from "./crc32c";
import { STATUS_BAD_COUNT, STATUS_BAD_CRC, STATUS_BAD_LENGTH, STATUS_BAD_MAGIC, STATUS_OK, STATUS_TRUNCATED, STATUS_UNSUPPORTED_COMPRESSION } from "./status";

export const HEADER_SIZE: i32 = 61;
/** Smallest legal batchLength: the header after the length field. */
export const MIN_BATCH_LENGTH: i32 = HEADER_SIZE - 12;
export const CRC_START: i32 = 21;

export const OFF_BASE_OFFSET: usize = 0;
export const OFF_BATCH_LENGTH: usize = 8;
export const OFF_LEADER_EPOCH: usize = 12;
export const OFF_MAGIC: usize = 16;
export const OFF_CRC: usize = 17;
export const OFF_ATTRIBUTES: usize = 21;
export const OFF_LAST_OFFSET_DELTA: usize = 23;
export const OFF_BASE_TIMESTAMP: usize = 27;
export const OFF_MAX_TIMESTAMP: usize = 35;
export const OFF_PRODUCER_ID: usize = 43;
export const OFF_PRODUCER_EPOCH: usize = 51;
export const OFF_BASE_SEQUENCE: usize = 53;
export const OFF_COUNT: usize = 57;

export const ATTR_COMPRESSION_MASK: i32 = 7;
export const ATTR_LOG_APPEND_TIME: i32 = 8;

// @ts-ignore: decorator
@inline export function be16(p: usize): i32 {
  return <i32>bswap<u16>(load<u16>(p));
}

// @ts-ignore: decorator
@inline export function be32(p: usize): i32 {
  return <i32>bswap<u32>(load<u32>(p));
}

// @ts-ignore: decorator
@inline export function be64(p: usize): i64 {
  return <i64>bswap<u64>(load<u64>(p));
}

// @ts-ignore: decorator
@inline export function storeBe16(p: usize, v: i32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

// @ts-ignore: decorator
@inline export function storeBe32(p: usize, v: i32): void {
  store<u32>(p, bswap<u32>(<u32>v));
}

// @ts-ignore: decorator
@inline export function storeBe64(p: usize, v: i64): void {
  store<u64>(p, bswap<u64>(<u64>v));
}

/**
 * Size in bytes of the batch starting at p, given `avail` readable bytes; or TRUNCATED (the batch, or its
 * length field, runs past `avail`) or BAD_LENGTH (batchLength below the header size).
 */
export function frameSize(p: usize, avail: i32): i32 {
  if (avail < 12) return STATUS_TRUNCATED;
  const batchLength = be32(p + OFF_BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) return STATUS_BAD_LENGTH;
  if (batchLength > avail - 12) return STATUS_TRUNCATED;
  return batchLength + 12;
}

/** Checks a framed batch of `size` bytes at p: magic, CRC (if asked), compression id <= 4, count >= 0. */
export function checkHeader(p: usize, size: i32, verifyCrc: bool): i32 {
  if (load<u8>(p + OFF_MAGIC) != 2) return STATUS_BAD_MAGIC;
  if (verifyCrc) {
    const stored = <u32>be32(p + OFF_CRC);
    if (crc32c_update(0, p + <usize>CRC_START, <usize>(size - CRC_START)) != stored) return STATUS_BAD_CRC;
  }
  if ((be16(p + OFF_ATTRIBUTES) & ATTR_COMPRESSION_MASK) > 4) return STATUS_UNSUPPORTED_COMPRESSION;
  if (be32(p + OFF_COUNT) < 0) return STATUS_BAD_COUNT;
  return STATUS_OK;
}
