// read_committed for readers that get stored batches without Kafka's aborted-transaction list (WebSocket
// subscriptions): the broker drops aborted data itself, with the consumer's algorithm (Kafka's Fetcher):
// from an aborted transaction's first offset, that producer's transactional data batches are skipped until
// its abort marker. Markers (control batches) stay: clients skip them, and they carry the offsets forward.

import { Attributes, batchSpans, lastOffsetAt } from "../core/index.js";
import { KafkaProtocolError } from "../errors/index.js";
import type { FetchOk } from "../shard/protocol.js";
import type { TransactionalWriteCheck } from "./broker-types.js";

/**
 * The error for a produced batch that is transactional and not allowed (the transaction coordinator's check;
 * without a coordinator every transactional batch is INVALID_TXN_STATE), or undefined. Reads the RecordBatch
 * v2 header: attributes @21 (bit 4 transactional, bit 5 control), producer id @43, epoch @51.
 */
export function transactionalWriteError(topic: string, partition: number, batch: Uint8Array, check: TransactionalWriteCheck | undefined): Error | undefined {
  if (!(batch instanceof Uint8Array) || batch.length < 61) return undefined; // the shard rejects it as corrupt
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const attributes = view.getInt16(21);
  if ((attributes & Attributes.TRANSACTIONAL) === 0 || (attributes & Attributes.CONTROL) !== 0) return undefined;
  const producerId = view.getBigInt64(43);
  if (!check) return new KafkaProtocolError("INVALID_TXN_STATE", `transactional batch from producer ${producerId}: no transaction coordinator`);
  return check(topic, partition, producerId, view.getInt16(51));
}

/**
 * Reads read_committed from `offset` with `read` (isolation 1) and removes aborted data; a read holding
 * only aborted data moves on (the markers ending it are below the LSO too), at most 64 reads.
 */
export async function readCommittedFrom(offset: bigint, read: (offset: bigint) => Promise<FetchOk>): Promise<FetchOk> {
  for (let at = offset, rounds = 0; ; rounds++) {
    const ok = await read(at);
    const records = withoutAborted(ok.records, ok.abortedTransactions ?? []);
    if (records.length > 0 || ok.records.length === 0 || rounds >= 64) return { ...ok, records };
    at = lastOffsetOf(ok.records) + 1n;
  }
}

/** The last offset of the last whole batch in `records`. */
function lastOffsetOf(records: Uint8Array): bigint {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let last = 0;
  for (let at = 0; at < records.length; at += view.getInt32(at + 8) + 12) last = at;
  return lastOffsetAt(view, last);
}

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
