// Kafka's variable-length integers.
//
//   zigzag varint  (int32): (v << 1) ^ (v >> 31), then unsigned LEB128, at most 5 bytes
//   zigzag varlong (int64): (v << 1) ^ (v >> 63), then unsigned LEB128, at most 10 bytes
//   unsigned varint (uint32): LEB128, at most 5 bytes (the compact lengths of flexible Kafka versions)
//
// LEB128: 7 bits a byte, least significant group first, high bit set on every byte but the last.
//
// Readers return the value and leave the position after it in `varintEnd`; on a malformed or truncated
// input they set `varintEnd = 0` (a position no real input can have, since inputs never start at 0), so a
// hot loop checks one global instead of unpacking a tuple.

import { STATUS_BAD_VARINT, STATUS_OUT_OF_SPACE, STATUS_TRUNCATED } from "./status";

/** Position after the last varint read, or 0 if that read failed. */
export let varintEnd: usize = 0;
/** Why the last failed read failed: STATUS_TRUNCATED (ran off the end) or STATUS_BAD_VARINT (too long). */
export let varintError: i32 = 0;

// ---- sizes ----------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline export function uvarintSize(v: u32): i32 {
  // 1 + floor(bitLength / 7), with bitLength(0) treated as 1.
  return (<i32>(31 - clz<u32>(v | 1)) / 7) + 1;
}

// @ts-ignore: decorator
@inline export function uvarlongSize(v: u64): i32 {
  return (<i32>(63 - clz<u64>(v | 1)) / 7) + 1;
}

// @ts-ignore: decorator
@inline export function varintSize(v: i32): i32 {
  return uvarintSize(<u32>((v << 1) ^ (v >> 31)));
}

// @ts-ignore: decorator
@inline export function varlongSize(v: i64): i32 {
  return uvarlongSize(<u64>((v << 1) ^ (v >> 63)));
}

// ---- writers: write at p, return the position after ------------------------------------------------------

// @ts-ignore: decorator
@inline export function writeUvarint(p: usize, v: u32): usize {
  while (v >= 0x80) {
    store<u8>(p++, <u8>(v | 0x80));
    v >>>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

// @ts-ignore: decorator
@inline export function writeUvarlong(p: usize, v: u64): usize {
  while (v >= 0x80) {
    store<u8>(p++, <u8>(v | 0x80));
    v >>>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

// @ts-ignore: decorator
@inline export function writeVarint(p: usize, v: i32): usize {
  return writeUvarint(p, <u32>((v << 1) ^ (v >> 31)));
}

// @ts-ignore: decorator
@inline export function writeVarlong(p: usize, v: i64): usize {
  return writeUvarlong(p, <u64>((v << 1) ^ (v >> 63)));
}

// ---- readers: read at p (never past end), value returned, position in varintEnd ----------------------------

// @ts-ignore: decorator
@inline export function readUvarint(p: usize, end: usize): u32 {
  let result: u32 = 0;
  let shift: u32 = 0;
  while (true) {
    if (p >= end) {
      varintEnd = 0;
      varintError = STATUS_TRUNCATED;
      return 0;
    }
    const b = <u32>load<u8>(p++);
    // The fifth byte may carry only the top 4 bits of a 32-bit value, and must be the last.
    if (shift == 28 && b > 0x0f) {
      varintEnd = 0;
      varintError = STATUS_BAD_VARINT;
      return 0;
    }
    result |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  varintEnd = p;
  return result;
}

// @ts-ignore: decorator
@inline export function readUvarlong(p: usize, end: usize): u64 {
  let result: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (p >= end) {
      varintEnd = 0;
      varintError = STATUS_TRUNCATED;
      return 0;
    }
    const b = <u64>load<u8>(p++);
    // The tenth byte may carry only the top bit of a 64-bit value, and must be the last.
    if (shift == 63 && b > 0x01) {
      varintEnd = 0;
      varintError = STATUS_BAD_VARINT;
      return 0;
    }
    result |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  varintEnd = p;
  return result;
}

// @ts-ignore: decorator
@inline export function readVarint(p: usize, end: usize): i32 {
  const u = readUvarint(p, end);
  return <i32>(u >>> 1) ^ -(<i32>(u & 1));
}

// @ts-ignore: decorator
@inline export function readVarlong(p: usize, end: usize): i64 {
  const u = readUvarlong(p, end);
  return <i64>(u >>> 1) ^ -(<i64>(u & 1));
}

// ---- array exports: one call per array, never per value (a JS->wasm call costs about what a varint does) --

/** Encodes `count` int32 at `inPtr` as zigzag varints into [outPtr, outPtr+outCap). Returns bytes written. */
export function varint_encode_i32(inPtr: usize, count: i32, outPtr: usize, outCap: i32): i32 {
  if (count < 0 || outCap < 0) return STATUS_OUT_OF_SPACE;
  // Check capacity up front with the worst case, so the hot loop has no bound checks; fall back to exact
  // sizing only when the worst case does not fit.
  if (<i64>count * 5 > <i64>outCap) {
    let need: i64 = 0;
    for (let i = 0; i < count; i++) need += varintSize(load<i32>(inPtr + (<usize>i << 2)));
    if (need > <i64>outCap) return STATUS_OUT_OF_SPACE;
  }
  let p = outPtr;
  for (let i = 0; i < count; i++) p = writeVarint(p, load<i32>(inPtr + (<usize>i << 2)));
  return <i32>(p - outPtr);
}

/** Decodes up to `maxCount` zigzag varints from [inPtr, inPtr+len) into int32 at outPtr. Returns the count. */
export function varint_decode_i32(inPtr: usize, len: i32, outPtr: usize, maxCount: i32): i32 {
  const end = inPtr + <usize>len;
  let p = inPtr;
  let n = 0;
  while (p < end) {
    if (n >= maxCount) return STATUS_OUT_OF_SPACE;
    const v = readVarint(p, end);
    if (varintEnd == 0) return varintError;
    store<i32>(outPtr + (<usize>n << 2), v);
    p = varintEnd;
    n++;
  }
  return n;
}

/** Encodes `count` int64 at `inPtr` as zigzag varlongs. Returns bytes written. */
export function varint_encode_i64(inPtr: usize, count: i32, outPtr: usize, outCap: i32): i32 {
  if (count < 0 || outCap < 0) return STATUS_OUT_OF_SPACE;
  if (<i64>count * 10 > <i64>outCap) {
    let need: i64 = 0;
    for (let i = 0; i < count; i++) need += varlongSize(load<i64>(inPtr + (<usize>i << 3)));
    if (need > <i64>outCap) return STATUS_OUT_OF_SPACE;
  }
  let p = outPtr;
  for (let i = 0; i < count; i++) p = writeVarlong(p, load<i64>(inPtr + (<usize>i << 3)));
  return <i32>(p - outPtr);
}

/** Decodes zigzag varlongs into int64 at outPtr. Returns the count. */
export function varint_decode_i64(inPtr: usize, len: i32, outPtr: usize, maxCount: i32): i32 {
  const end = inPtr + <usize>len;
  let p = inPtr;
  let n = 0;
  while (p < end) {
    if (n >= maxCount) return STATUS_OUT_OF_SPACE;
    const v = readVarlong(p, end);
    if (varintEnd == 0) return varintError;
    store<i64>(outPtr + (<usize>n << 3), v);
    p = varintEnd;
    n++;
  }
  return n;
}

/** Encodes `count` uint32 at `inPtr` as unsigned varints. Returns bytes written. */
export function uvarint_encode_u32(inPtr: usize, count: i32, outPtr: usize, outCap: i32): i32 {
  if (count < 0 || outCap < 0) return STATUS_OUT_OF_SPACE;
  if (<i64>count * 5 > <i64>outCap) {
    let need: i64 = 0;
    for (let i = 0; i < count; i++) need += uvarintSize(load<u32>(inPtr + (<usize>i << 2)));
    if (need > <i64>outCap) return STATUS_OUT_OF_SPACE;
  }
  let p = outPtr;
  for (let i = 0; i < count; i++) p = writeUvarint(p, load<u32>(inPtr + (<usize>i << 2)));
  return <i32>(p - outPtr);
}

/** Decodes unsigned varints into uint32 at outPtr. Returns the count. */
export function uvarint_decode_u32(inPtr: usize, len: i32, outPtr: usize, maxCount: i32): i32 {
  const end = inPtr + <usize>len;
  let p = inPtr;
  let n = 0;
  while (p < end) {
    if (n >= maxCount) return STATUS_OUT_OF_SPACE;
    const v = readUvarint(p, end);
    if (varintEnd == 0) return varintError;
    store<u32>(outPtr + (<usize>n << 2), v);
    p = varintEnd;
    n++;
  }
  return n;
}
