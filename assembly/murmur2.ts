// Kafka's default partitioner: murmur2 (seed 0x9747b28c) of the key bytes, sign bit cleared, modulo the
// partition count. Java's `Utils.murmur2` reads 4-byte blocks little-endian and uses int (wrapping)
// arithmetic; u32 arithmetic here wraps the same way, so the bits agree.

import { STATUS_BAD_ARGUMENT } from "./status";

const M: u32 = 0x5bd1e995;
const SEED: u32 = 0x9747b28c;

export function murmur2(ptr: usize, len: i32): i32 {
  let h: u32 = SEED ^ <u32>len;
  const blocks = len >>> 2;
  for (let i = 0; i < blocks; i++) {
    let k = load<u32>(ptr + (<usize>i << 2));
    k *= M;
    k ^= k >>> 24;
    k *= M;
    h *= M;
    h ^= k;
  }
  const tail = ptr + (<usize>len & ~3);
  switch (len & 3) {
    case 3:
      h ^= <u32>load<u8>(tail, 2) << 16;
    // falls through
    case 2:
      h ^= <u32>load<u8>(tail, 1) << 8;
    // falls through
    case 1:
      h ^= <u32>load<u8>(tail);
      h *= M;
  }
  h ^= h >>> 13;
  h *= M;
  h ^= h >>> 15;
  return <i32>h;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partition_for_key(ptr: usize, len: i32, partitions: i32): i32 {
  if (partitions <= 0 || len < 0) return STATUS_BAD_ARGUMENT;
  return (murmur2(ptr, len) & 0x7fffffff) % partitions;
}
