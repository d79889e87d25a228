// Kafka varints, whole arrays per WASM call (a per-value call would cost more than the work).

import { InvalidArgumentError } from "../errors/index.js";
import { core, heap, Region } from "./instance.js";
import { throwForStatus } from "./throw-status.js";

const input = new Region();
const output = new Region();

/** Bytes the zigzag varint of an int32 takes. */
export function varintSize(value: number): number {
  const u = ((value << 1) ^ (value >> 31)) >>> 0;
  return u === 0 ? 1 : Math.floor((31 - Math.clz32(u)) / 7) + 1;
}

/** Bytes the zigzag varlong of an int64 takes. */
export function varlongSize(value: bigint): number {
  const u = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  return u === 0n ? 1 : Math.floor((u.toString(2).length - 1) / 7) + 1;
}

/** Bytes the unsigned varint of a uint32 takes. */
export function uvarintSize(value: number): number {
  const u = value >>> 0;
  return u === 0 ? 1 : Math.floor((31 - Math.clz32(u)) / 7) + 1;
}

type Codec = {
  width: number;
  maxBytes: number;
  encode: (inPtr: number, count: number, outPtr: number, outCap: number) => number;
  decode: (inPtr: number, len: number, outPtr: number, maxCount: number) => number;
};

function encodeArray(values: ArrayBufferView & { length: number }, codec: Codec): Uint8Array {
  const inBytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const cap = values.length * codec.maxBytes;
  const outPtr = output.reserve(cap);
  const inPtr = input.load(inBytes);
  const written = codec.encode(inPtr, values.length, outPtr, cap);
  if (written < 0) throwForStatus(written, "varint encode");
  return heap().slice(outPtr, outPtr + written);
}

function decodeArray(bytes: Uint8Array, maxCount: number, codec: Codec): Uint8Array {
  if (!Number.isInteger(maxCount) || maxCount < 0) throw new InvalidArgumentError(`maxCount ${maxCount}`);
  const outPtr = output.reserve(maxCount * codec.width);
  const inPtr = input.load(bytes);
  const count = codec.decode(inPtr, bytes.length, outPtr, maxCount);
  if (count < 0) throwForStatus(count, "varint decode");
  return heap().slice(outPtr, outPtr + count * codec.width);
}

const i32Codec: Codec = { width: 4, maxBytes: 5, encode: core.varint_encode_i32, decode: core.varint_decode_i32 };
const i64Codec: Codec = { width: 8, maxBytes: 10, encode: core.varint_encode_i64, decode: core.varint_decode_i64 };
const u32Codec: Codec = { width: 4, maxBytes: 5, encode: core.uvarint_encode_u32, decode: core.uvarint_decode_u32 };

/** Zigzag varints (Kafka `varint`) of every value, back to back. */
export function encodeVarints(values: Int32Array): Uint8Array {
  return encodeArray(values, i32Codec);
}

/** Decodes back-to-back zigzag varints; throws CorruptRecordError on a malformed or truncated one. */
export function decodeVarints(bytes: Uint8Array, maxCount = bytes.length): Int32Array {
  const out = decodeArray(bytes, maxCount, i32Codec);
  return new Int32Array(out.buffer, out.byteOffset, out.byteLength / 4);
}

/** Zigzag varlongs (Kafka `varlong`) of every value, back to back. */
export function encodeVarlongs(values: BigInt64Array): Uint8Array {
  return encodeArray(values, i64Codec);
}

export function decodeVarlongs(bytes: Uint8Array, maxCount = bytes.length): BigInt64Array {
  const out = decodeArray(bytes, maxCount, i64Codec);
  return new BigInt64Array(out.buffer, out.byteOffset, out.byteLength / 8);
}

/** Unsigned varints (Kafka's flexible-version `unsigned_varint`), back to back. */
export function encodeUvarints(values: Uint32Array): Uint8Array {
  return encodeArray(values, u32Codec);
}

export function decodeUvarints(bytes: Uint8Array, maxCount = bytes.length): Uint32Array {
  const out = decodeArray(bytes, maxCount, u32Codec);
  return new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4);
}
