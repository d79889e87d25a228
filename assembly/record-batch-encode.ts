// RecordBatch v2 encoder. JS lays the records out flat in linear memory (fixed-width little-endian lengths,
// the bytes right after each, strings UTF-8-encoded straight into place); this computes every varint,
// record length, the header and the CRC in one call.
//
// Input at inPtr (little-endian, unaligned is fine):
//
//   params, ENCODE_PARAMS_SIZE = 40 bytes
//   +0                  +8                  +16     +20     +24     +28     +32     +36     +40
//   +-------------------+-------------------+-------+-------+-------+-------+-------+-------+
//   |baseOffset    i64  |producerId    i64  |leadEp |attrs  |lastOD |pEpoch |baseSeq|count  |
//   +-------------------+-------------------+-------+-------+-------+-------+-------+-------+
//
//   then `count` records, back to back
//   +-------------------+-------+-------+-----------+-------+-------------+-------+------------------------
//   |timestamp     i64  |offDelt|keyLen | key bytes |valLen | value bytes |hdrCnt | hdrCnt x header
//   +-------------------+-------+-------+-----------+-------+-------------+-------+------------------------
//   header: | keyLen i32 | key bytes | valLen i32 | value bytes |        (len -1 = null: no bytes follow)
//
// baseTimestamp is the first record's timestamp (Kafka's choice; later deltas may be negative), maxTimestamp
// the largest; an empty batch gets -1 (NO_TIMESTAMP) for both. Output bound, so JS can size the output
// once: each record's fixed 24 input bytes become at most 36 (five varints of <= 5 bytes, one of <= 10,
// attributes) and each header's 8 at most 10, so out <= 61 + (inLen - 40) + 12 * count + 2 * headers.

import { CRC_START, HEADER_SIZE, storeBe16, storeBe32, storeBe64 } from "./record-batch-header";
import { crc32c_update } from "./crc32c";
import { STATUS_BAD_ARGUMENT, STATUS_OUT_OF_SPACE } from "./status";
import { varintSize, varlongSize, writeVarint, writeVarlong } from "./varint";

const ENCODE_PARAMS_SIZE: usize = 40;

// @ts-ignore: decorator
@inline function bytesSize(len: i32): i32 {
  return varintSize(len) + (len > 0 ? len : 0);
}

/**
 * Encodes the records described at [inPtr, inPtr+inLen) into one batch at outPtr. Returns the batch size,
 * OUT_OF_SPACE if outCap is too small, or BAD_ARGUMENT for a malformed description (lengths past the input,
 * keyLen < -1, a null header key, offset deltas not strictly increasing or above lastOffsetDelta, or
 * compression bits set: this writes uncompressed batches only).
 */
export function batch_encode(inPtr: usize, inLen: i32, outPtr: usize, outCap: i32): i32 {
  if (inLen < <i32>ENCODE_PARAMS_SIZE || outCap < 0) return STATUS_BAD_ARGUMENT;
  if (outCap < HEADER_SIZE) return STATUS_OUT_OF_SPACE;
  const attributes = load<i32>(inPtr, 20);
  const lastOffsetDelta = load<i32>(inPtr, 24);
  const count = load<i32>(inPtr, 36);
  if ((attributes & 7) != 0 || attributes >>> 16 != 0 || count < 0) return STATUS_BAD_ARGUMENT;

  const inEnd = inPtr + <usize>inLen;
  const outEnd = outPtr + <usize>outCap;
  let p = inPtr + ENCODE_PARAMS_SIZE;
  let q = outPtr + <usize>HEADER_SIZE;
  let baseTimestamp: i64 = -1;
  let maxTimestamp: i64 = -1;
  if (count > 0) {
    if (inEnd - p < 8) return STATUS_BAD_ARGUMENT;
    baseTimestamp = load<i64>(p);
    maxTimestamp = baseTimestamp;
  }

  let prev: i32 = -1;
  for (let i: i32 = 0; i < count; i++) {
    // Pass 1 over the record's description: bounds, and the body size its length varint needs.
    if (inEnd - p < 16) return STATUS_BAD_ARGUMENT;
    const timestamp = load<i64>(p);
    const offsetDelta = load<i32>(p, 8);
    const kl = load<i32>(p, 12);
    p += 16;
    if (offsetDelta <= prev || kl < -1) return STATUS_BAD_ARGUMENT;
    prev = offsetDelta;
    const kp = p;
    if (kl > 0) {
      if (<usize>kl > inEnd - p) return STATUS_BAD_ARGUMENT;
      p += <usize>kl;
    }
    if (inEnd - p < 4) return STATUS_BAD_ARGUMENT;
    const vl = load<i32>(p);
    p += 4;
    if (vl < -1) return STATUS_BAD_ARGUMENT;
    const vp = p;
    if (vl > 0) {
      if (<usize>vl > inEnd - p) return STATUS_BAD_ARGUMENT;
      p += <usize>vl;
    }
    if (inEnd - p < 4) return STATUS_BAD_ARGUMENT;
    const hc = load<i32>(p);
    p += 4;
    if (hc < 0) return STATUS_BAD_ARGUMENT;
    const hp = p;
    let headersSize: i64 = varintSize(hc);
    for (let h: i32 = 0; h < hc; h++) {
      if (inEnd - p < 4) return STATUS_BAD_ARGUMENT;
      const hkl = load<i32>(p);
      p += 4;
      if (hkl < 0 || <usize>hkl > inEnd - p) return STATUS_BAD_ARGUMENT;
      p += <usize>hkl;
      if (inEnd - p < 4) return STATUS_BAD_ARGUMENT;
      const hvl = load<i32>(p);
      p += 4;
      if (hvl < -1) return STATUS_BAD_ARGUMENT;
      if (hvl > 0) {
        if (<usize>hvl > inEnd - p) return STATUS_BAD_ARGUMENT;
        p += <usize>hvl;
      }
      headersSize += bytesSize(hkl) + bytesSize(hvl);
    }

    const tsDelta = timestamp - baseTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const body = 1 + <i64>varlongSize(tsDelta) + varintSize(offsetDelta) + bytesSize(kl) + bytesSize(vl) + headersSize;
    if (body > <i64>i32.MAX_VALUE) return STATUS_BAD_ARGUMENT;
    if (<i64>varintSize(<i32>body) + body > <i64>(outEnd - q)) return STATUS_OUT_OF_SPACE;

    // Pass 2: write it.
    q = writeVarint(q, <i32>body);
    store<u8>(q++, 0); // record attributes: unused
    q = writeVarlong(q, tsDelta);
    q = writeVarint(q, offsetDelta);
    q = writeVarint(q, kl);
    if (kl > 0) {
      memory.copy(q, kp, <usize>kl);
      q += <usize>kl;
    }
    q = writeVarint(q, vl);
    if (vl > 0) {
      memory.copy(q, vp, <usize>vl);
      q += <usize>vl;
    }
    q = writeVarint(q, hc);
    let r = hp;
    for (let h: i32 = 0; h < hc; h++) {
      const hkl = load<i32>(r);
      q = writeVarint(q, hkl);
      memory.copy(q, r + 4, <usize>hkl);
      q += <usize>hkl;
      r += 4 + <usize>hkl;
      const hvl = load<i32>(r);
      r += 4;
      q = writeVarint(q, hvl);
      if (hvl > 0) {
        memory.copy(q, r, <usize>hvl);
        q += <usize>hvl;
        r += <usize>hvl;
      }
    }
  }
  if (p != inEnd || lastOffsetDelta < prev) return STATUS_BAD_ARGUMENT;

  const size = <i32>(q - outPtr);
  storeBe64(outPtr, load<i64>(inPtr));
  storeBe32(outPtr + 8, size - 12);
  storeBe32(outPtr + 12, load<i32>(inPtr, 16));
  store<u8>(outPtr + 16, 2);
  storeBe16(outPtr + 21, attributes);
  storeBe32(outPtr + 23, lastOffsetDelta);
  storeBe64(outPtr + 27, baseTimestamp);
  storeBe64(outPtr + 35, maxTimestamp);
  storeBe64(outPtr + 43, load<i64>(inPtr, 8));
  storeBe16(outPtr + 51, load<i32>(inPtr, 28));
  storeBe32(outPtr + 53, load<i32>(inPtr, 32));
  storeBe32(outPtr + 57, count);
  storeBe32(outPtr + 17, <i32>crc32c_update(0, outPtr + <usize>CRC_START, <usize>(size - CRC_START)));
  return size;
}
