// Binary search over Kafka's sparse segment indexes, held as their on-disk (big-endian) bytes.
//
//   <base>.index      entries of 8 bytes      <base>.timeindex   entries of 12 bytes
//   +-----------------+-----------------+      +-----------------------------+-----------------+
//   | relOffset  u32  | position   u32  |      | timestamp              i64  | relOffset  u32  |
//   +-----------------+-----------------+      +-----------------------------+-----------------+
//
// Both are sorted ascending by their first field. Each lookup returns the slot of the largest entry whose
// key is <= target, or -1 when the first entry is already above it (the caller then starts at the segment's
// beginning). Entries are read big-endian so the file bytes need no conversion when loaded.

import { STATUS_BAD_ARGUMENT } from "./status";

export function offset_index_lookup(ptr: usize, entries: i32, target: u32): i32 {
  if (entries < 0) return STATUS_BAD_ARGUMENT;
  let lo: i32 = 0;
  let hi: i32 = entries - 1;
  let found: i32 = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const key = bswap<u32>(load<u32>(ptr + (<usize>mid << 3)));
    if (key <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export function time_index_lookup(ptr: usize, entries: i32, target: i64): i32 {
  if (entries < 0) return STATUS_BAD_ARGUMENT;
  let lo: i32 = 0;
  let hi: i32 = entries - 1;
  let found: i32 = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const key = <i64>bswap<u64>(load<u64>(ptr + <usize>mid * 12));
    if (key <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
