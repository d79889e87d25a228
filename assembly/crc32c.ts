// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), zlib-style API: `crc32c_update(crc, ptr, len)`
// takes a finished CRC (0 to start) and returns the finished CRC of the bytes so far, so splitting an input
// anywhere and chaining the calls gives the one-shot value.
//
// PLACEHOLDER (slice-by-8): replaced by the WASM-SIMD formulation; keep the exported signature.

const POLY: u32 = 0x82f63b78;
const TABLES: usize = memory.data(8 * 256 * 4);

function initTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (<usize>n << 2));
    for (let t: usize = 1; t < 8; t++) {
      c = load<u32>(TABLES + ((c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(TABLES + (t << 10) + (<usize>n << 2), c);
    }
  }
}
initTables();

// @ts-ignore: decorator
@inline function T(t: usize, i: u32): u32 {
  return load<u32>(TABLES + (t << 10) + (<usize>(i & 0xff) << 2));
}

/** Internal: raw (pre-inverted) CRC register update. */
export function crc32cRaw(c: u32, p: usize, len: usize): u32 {
  const end = p + len;
  while (p + 8 <= end) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c =
      T(7, lo) ^ T(6, lo >>> 8) ^ T(5, lo >>> 16) ^ T(4, lo >>> 24) ^
      T(3, hi) ^ T(2, hi >>> 8) ^ T(1, hi >>> 16) ^ T(0, hi >>> 24);
    p += 8;
  }
  while (p < end) c = T(0, c ^ load<u8>(p++)) ^ (c >>> 8);
  return c;
}

export function crc32c_update(crc: u32, ptr: usize, len: usize): u32 {
  return ~crc32cRaw(~crc, ptr, len);
}
