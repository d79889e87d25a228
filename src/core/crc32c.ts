// CRC-32C (Castagnoli) through the WASM core. Inputs are copied into linear memory in chunks of at most
// 1 MiB, which keeps the copy L2-resident and the scratch block small whatever the input size.

import { core, Region } from "./instance.js";

const CHUNK = 1 << 20;
const input = new Region(64 * 1024);

/**
 * CRC-32C of `data`, as an unsigned 32-bit number. `seed` is a previous result, so
 * `crc32c(b, crc32c(a))` equals `crc32c(concat(a, b))`.
 */
export function crc32c(data: Uint8Array, seed = 0): number {
  let crc = seed >>> 0;
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    const piece = data.subarray(offset, offset + CHUNK);
    crc = core.crc32c_update(crc, input.load(piece), piece.length) >>> 0;
  }
  return crc;
}

/** Incremental CRC-32C: `new Crc32c().update(a).update(b).digest()` equals `crc32c(concat(a, b))`. */
export class Crc32c {
  private value = 0;

  update(data: Uint8Array): this {
    this.value = crc32c(data, this.value);
    return this;
  }

  digest(): number {
    return this.value;
  }
}
