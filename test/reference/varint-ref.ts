// Plain-TypeScript Kafka varints: the reference the WASM core is checked against (tests and benches only).

export function refEncodeVarint(value: number, out: number[]): void {
  let u = ((value << 1) ^ (value >> 31)) >>> 0;
  while (u >= 0x80) {
    out.push((u & 0x7f) | 0x80);
    u >>>= 7;
  }
  out.push(u);
}

export function refEncodeVarlong(value: bigint, out: number[]): void {
  let u = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
}

export function refEncodeUvarint(value: number, out: number[]): void {
  let u = value >>> 0;
  while (u >= 0x80) {
    out.push((u & 0x7f) | 0x80);
    u >>>= 7;
  }
  out.push(u);
}

/** Decodes back-to-back zigzag varints (no validation: the reference is only fed valid input). */
export function refDecodeVarints(bytes: Uint8Array): number[] {
  const values: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let u = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[i++]!;
      u |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    u >>>= 0;
    values.push((u >>> 1) ^ -(u & 1));
  }
  return values;
}
