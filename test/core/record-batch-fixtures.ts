// Shared generators for the record-batch tests: seeded, so a failure names its seed and replays.

import type { DecodedRecord } from "../../src/core/index.js";
import { crc32cRef, type RefRecord } from "../reference/record-batch-ref.js";
import { seededRandom } from "../helpers/random.js";

/** A seeded PRNG returning floats in [0, 1) (the tests' shared mulberry32). */
export const rng = seededRandom;

export function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function bytes(r: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

const KEY_CHARS = ["a", "Z", "0", "-", "é", "ß", "→", "😀"];

function headerKey(r: () => number): string {
  let s = "";
  const n = int(r, 0, r() < 0.1 ? 60 : 8);
  for (let i = 0; i < n; i++) s += KEY_CHARS[r() < 0.8 ? int(r, 0, 3) : int(r, 4, 7)];
  return s;
}

function nullableBytes(r: () => number, max: number): Uint8Array | null {
  const x = r();
  if (x < 0.15) return null;
  if (x < 0.25) return new Uint8Array(0);
  return bytes(r, int(r, 1, max));
}

/** Random records with timestamps around `base` (negative deltas included) and increasing offset deltas. */
export function randomRecords(r: () => number, count: number, opts: { gaps?: boolean; maxValue?: number } = {}): RefRecord[] {
  const base = 1_700_000_000_000 + int(r, -1e6, 1e6);
  const records: RefRecord[] = [];
  let offsetDelta = -1;
  for (let i = 0; i < count; i++) {
    offsetDelta += opts.gaps ? int(r, 1, 300) : 1;
    const headers = [];
    for (let h = int(r, 0, r() < 0.7 ? 0 : 4); h > 0; h--) headers.push({ key: headerKey(r), value: nullableBytes(r, 20) });
    records.push({
      timestamp: r() < 0.05 ? base + int(r, -(2 ** 40), 2 ** 40) : base + int(r, -5000, 5000),
      offsetDelta,
      key: nullableBytes(r, 32),
      value: nullableBytes(r, opts.maxValue ?? 300),
      headers,
    });
  }
  return records;
}

const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex"));

/** Comparable form of a record from any decoder: bytes as hex, offset as a delta from `baseOffset`. */
export function normalize(r: RefRecord | DecodedRecord, baseOffset = 0n) {
  const offsetDelta = "offset" in r ? Number(r.offset - baseOffset) : r.offsetDelta;
  return {
    timestamp: r.timestamp,
    offsetDelta,
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })),
  };
}

/** Recomputes the CRC after a test mutates covered bytes, so a later check is what fails. */
export function recrc(batch: Uint8Array): Uint8Array {
  new DataView(batch.buffer, batch.byteOffset).setUint32(17, crc32cRef(batch.subarray(21)));
  return batch;
}
