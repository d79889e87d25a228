// A batch with its records section replaced by compressed bytes. The codecs themselves live outside the
// isomorphic core (src/core/codecs.ts: node:zlib and WASM zstd); this is only the header rewrite that every
// writer of a compressed batch needs (log compaction recompressing survivors, a producer compressing).

import { crc32c } from "../crc32c.js";
import { attributesAt, BatchField, CRC_START, LOG_OVERHEAD, viewOf } from "./layout.js";
import { BATCH_HEADER_SIZE } from "./types.js";

/**
 * `plain` (an uncompressed batch) with its records section [61, end) replaced by `packed`, the same records
 * compressed with Kafka codec id `compression` (1..4): the compression bits set in the attributes,
 * batchLength and the CRC (over [21, end)) rewritten; the other header fields are unchanged.
 */
export function withCompressedRecords(plain: Uint8Array, compression: number, packed: Uint8Array): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_SIZE + packed.length);
  out.set(plain.subarray(0, BATCH_HEADER_SIZE));
  out.set(packed, BATCH_HEADER_SIZE);
  const view = viewOf(out);
  view.setInt32(BatchField.BATCH_LENGTH, out.length - LOG_OVERHEAD);
  view.setInt16(BatchField.ATTRIBUTES, (attributesAt(view, 0) & ~0x07) | compression);
  view.setUint32(BatchField.CRC, crc32c(out.subarray(CRC_START)));
  return out;
}
