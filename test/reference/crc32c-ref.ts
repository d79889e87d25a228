// Plain-TypeScript CRC-32C (Castagnoli): the reference the WASM core is checked against (tests and benches
// only). Byte-at-a-time with a 256-entry table built from the bitwise definition, so it is obviously the
// textbook algorithm: reflected polynomial 0x82F63B78, register preset to ~0, result inverted.

const POLY = 0x82f63b78;

/** The bitwise definition: one reflected shift-and-conditionally-XOR step per message bit. */
export function crc32cBitwise(data: Uint8Array, seed = 0): number {
  let c = ~seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    c ^= data[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  }
  return ~c >>> 0;
}

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[n] = c;
}

/** Byte-table CRC-32C; `seed` is a previous result (zlib convention), so calls chain over split input. */
export function crc32cRef(data: Uint8Array, seed = 0): number {
  let c = ~seed;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
