// read_committed for readers that get stored batches without Kafka's aborted-transaction list (WebSocket
// subscriptions): the broker drops aborted data itself, with the consumer's algorithm (Kafka's Fetcher):
// from an aborted transaction's first offset, that producer's transactional data batches are skipped until
// its abort marker. Markers (control batches) stay: clients skip them, and they carry the offsets forward.

import { Attributes, batchSpans } from "../core/index.js";

/** `records` (whole batches, below the LSO) without the batches of the aborted transactions listed. */
export function withoutAborted(records: Uint8Array, aborted: readonly { producerId: bigint; firstOffset: bigint }[]): Uint8Array {
  if (aborted.length === 0 || records.length === 0) return records;
  const queue = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const skipping = new Set<bigint>();
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const kept: Array<{ start: number; size: number }> = [];
  let dropped = false;
  for (const span of batchSpans(records)) {
    const lastOffset = view.getBigInt64(span.start) + BigInt(view.getInt32(span.start + 23));
    while (queue.length && queue[0]!.firstOffset <= lastOffset) skipping.add(queue.shift()!.producerId);
    const attributes = view.getInt16(span.start + 21);
    const producerId = view.getBigInt64(span.start + 43);
    if ((attributes & Attributes.CONTROL) !== 0) {
      // Control record key: version int16, type int16 (0 = abort) at the first record's key.
      if (skipping.has(producerId) && isAbortMarker(records.subarray(span.start, span.start + span.size))) skipping.delete(producerId);
      kept.push(span);
      continue;
    }
    if ((attributes & Attributes.TRANSACTIONAL) !== 0 && skipping.has(producerId)) {
      dropped = true;
      continue;
    }
    kept.push(span);
  }
  if (!dropped) return records;
  const out = new Uint8Array(kept.reduce((n, s) => n + s.size, 0));
  let at = 0;
  for (const s of kept) {
    out.set(records.subarray(s.start, s.start + s.size), at);
    at += s.size;
  }
  return out;
}

/** Whether a control batch is an abort marker: the type in its single record's 4-byte key is 0. */
function isAbortMarker(batch: Uint8Array): boolean {
  // Record layout after the 61-byte header: length varint, attributes int8, timestamp delta varint,
  // offset delta varint, key length varint (4), key. Markers Rivulet writes have single-byte varints.
  const at = 61;
  let p = at;
  const skipVarint = () => {
    while (p < batch.length && (batch[p]! & 0x80) !== 0) p++;
    p++;
  };
  skipVarint(); // length
  p++; // attributes
  skipVarint(); // timestamp delta
  skipVarint(); // offset delta
  skipVarint(); // key length
  if (p + 4 > batch.length) return false;
  return ((batch[p + 2]! << 8) | batch[p + 3]!) === 0;
}
