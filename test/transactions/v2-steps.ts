// The steps of a transactions v2 producer over a bare connection (wire.ts), shared by the v2 crash and
// full-disk tests: create a topic, InitProducerId v5, transactional Produce v12 (which adds the partition
// itself), EndTxn v5, and a read_committed Fetch that says whether the LSO reached the high watermark.

import { Attributes, batchSpans, decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import type { Connection } from "./wire.js";

export const txBatch = (producerId: bigint, producerEpoch: number, value: string, baseSequence = 0) =>
  encodeRecordBatch([{ value }], { producerId, producerEpoch, baseSequence, attributes: Attributes.TRANSACTIONAL });

export async function createTopic(conn: Connection, name: string, numPartitions: number): Promise<number> {
  const r = await conn.call(ApiKey.CreateTopics, 4, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  return r.topics[0]!.errorCode;
}

export const initProducer = (conn: Connection, transactionalId: string) =>
  conn.call(ApiKey.InitProducerId, 5, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });

/** A transactional Produce v12 of one record; the partition's error code. */
export async function produceTx(conn: Connection, transactionalId: string, topic: string, partition: number, producerId: bigint, producerEpoch: number, value: string, baseSequence = 0): Promise<number> {
  const r = await conn.call(ApiKey.Produce, 12, {
    transactionalId, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: txBatch(producerId, producerEpoch, value, baseSequence) }] }],
  });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

export const endTxn = (conn: Connection, transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean) =>
  conn.call(ApiKey.EndTxn, 5, { transactionalId, producerId, producerEpoch, committed });

/**
 * The data records a read_committed consumer keeps from a partition (aborted transactions dropped with the
 * Fetch's abortedTransactions list, as clients do), and whether its LSO is at the high watermark.
 */
export async function readCommitted(conn: Connection, topic: string, partition: number): Promise<{ values: string[]; atEnd: boolean }> {
  const r = await conn.call(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  });
  const p = r.responses[0]!.partitions[0]!;
  const bytes = (p.records ?? new Uint8Array()) as Uint8Array;
  const aborted = [...(p.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  const open = new Set<bigint>();
  const values: string[] = [];
  for (const sp of batchSpans(bytes)) {
    const batch = decodeRecordBatch(bytes.subarray(sp.start, sp.start + sp.size));
    while (aborted.length && aborted[0]!.firstOffset <= batch.baseOffset) open.add(aborted.shift()!.producerId);
    if (batch.isControl) {
      open.delete(batch.producerId); // the producer's marker ends its aborted transaction
      continue;
    }
    if (batch.isTransactional && open.has(batch.producerId)) continue;
    for (const rec of batch.records) values.push(new TextDecoder().decode(rec.value!));
  }
  return { values, atEnd: p.lastStableOffset === p.highWatermark };
}
