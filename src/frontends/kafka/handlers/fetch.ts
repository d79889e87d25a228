// Fetch (key 1), v4-11.
//
// Behavior:
// - Long poll: Broker.fetchMany reads every partition and, while together they hold fewer than minBytes,
//   waits (woken by appends) up to maxWaitMs; it answers at once when a partition has an error. A closed
//   connection aborts the wait.
// - Sizes: each partition returns at most min(partitionMaxBytes, maxBytes) bytes of whole stored batches,
//   at least one whole batch even if larger (KIP-74). Over the response, partitions are taken in request
//   order until maxBytes is used up; the first partition with data is always included whole, later ones
//   are cut at a batch boundary (or left empty) so the total stays within maxBytes. Batches may start
//   before fetchOffset (clients skip the records below it).
// - Stored batches go out verbatim, compressed or not, referenced (not copied) into the vectored write.
// - isolation_level: read_committed is served like read_uncommitted (no transactions): last stable offset =
//   high watermark, aborted transactions = [] .
// - Fetch sessions (v7+, KIP-227): none are created; every request is served as a full fetch and answered
//   with session id 0 (which tells the client there is no session). librdkafka and kafkajs send id 0,
//   epoch -1 anyway; forgotten_topics_data is therefore meaningless and ignored.
// - current_leader_epoch (v9+): clients learn no epochs from Metadata <= v6 and send -1; it is not checked.
// - preferred_read_replica (v11): -1. rack_id: ignored.
// - Errors per partition (UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE when the offset is past the log
//   end or before its start): high watermark, last stable and log start offsets -1, and an empty records
//   field (size 0), as Kafka sends it: librdkafka rejects a null one (size -1) as an invalid MessageSetSize,
//   never sees the error code, never applies auto.offset.reset and refetches forever (issue 12).

import type { FetchItem } from "../../../broker/broker.js";
import { KafkaErrors, toKafkaCode, type RivuletError } from "../../../errors/index.js";
import type { ApiKey, FetchPartitionResponse, FetchResponse } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { wholeBatchesEnd } from "../../../core/index.js";

const NO_RECORDS = new Uint8Array(0);

export const handleFetch: Handler<typeof ApiKey.Fetch> = async (ctx, request, info) => {
  const maxBytes = Math.max(0, request.maxBytes);
  const items: FetchItem[] = [];
  for (const t of request.topics) {
    for (const p of t.partitions) {
      items.push({ topic: t.topic, partition: p.partition, offset: p.fetchOffset, maxBytes: Math.max(0, Math.min(p.partitionMaxBytes, maxBytes)) });
    }
  }
  let results: Awaited<ReturnType<typeof ctx.broker.fetchMany>>;
  try {
    results = await ctx.broker.fetchMany(items, {
      minBytes: Math.max(0, request.minBytes),
      maxWaitMs: Math.max(0, request.maxWaitMs),
      signal: info.signal,
    });
  } catch (error) {
    // The whole call failed (broker closing): every partition carries that error.
    results = items.map(() => ({ error: error as RivuletError }));
  }

  let budget = maxBytes;
  let anyData = false;
  let i = 0;
  const response: FetchResponse = {
    errorCode: KafkaErrors.NONE.code,
    sessionId: 0,
    responses: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p): FetchPartitionResponse => {
        const result = results[i++]!;
        if (!result.ok) {
          return { partitionIndex: p.partition, errorCode: toKafkaCode(result.error), highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: NO_RECORDS };
        }
        let records = result.ok.records;
        if (records.length > 0) {
          if (!anyData) anyData = true;
          else records = wholeBatchesWithin(records, budget);
          budget = Math.max(0, budget - records.length);
        }
        return {
          partitionIndex: p.partition,
          errorCode: KafkaErrors.NONE.code,
          highWatermark: result.ok.highWatermark,
          lastStableOffset: result.ok.lastStableOffset,
          logStartOffset: result.ok.logStartOffset,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records,
        };
      }),
    })),
  };
  return response;
};

/** The longest prefix of whole batches within `limit` bytes. */
export function wholeBatchesWithin(records: Uint8Array, limit: number): Uint8Array {
  if (records.length <= limit) return records;
  return records.subarray(0, wholeBatchesEnd(records, 0, limit));
}
