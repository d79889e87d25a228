// DeleteRecords (key 21), v0-2.
//
// Behavior:
// - Per partition, the log start offset moves to `offset` (-1: the high watermark) in the partition's
//   owner shard (storage/delete-records.ts): records below it can no longer be fetched (a fetch there gets
//   OFFSET_OUT_OF_RANGE, and consumers reset), closed segments wholly below it are deleted, and the new
//   start is durable (checkpointed) before we answer. An offset at or below the current start changes
//   nothing. The answer carries the log start afterwards (low_watermark).
// - Errors per partition: unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION; offset above the high
//   watermark (or below -1): OFFSET_OUT_OF_RANGE; low_watermark -1 with an error.
// - Cluster mode: only the partition's leader takes it (else NOT_LEADER_OR_FOLLOWER), -1 means the
//   replicated high watermark, and the answer waits until the followers that could be elected have moved
//   their log start as far; timeout_ms bounds that wait (REQUEST_TIMED_OUT: the leader's change stands, as
//   in Kafka, and the followers still follow). On a single node the change is complete when we answer.

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, DeleteRecordsResponse } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDeleteRecords: Handler<typeof ApiKey.DeleteRecords> = async (ctx, request): Promise<DeleteRecordsResponse> => {
  const items = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.offset })));
  const results = await ctx.broker.deleteRecords(items, request.timeoutMs > 0 ? { timeoutMs: request.timeoutMs } : {});
  let i = 0;
  return {
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const r = results[i++]!;
        if (r.error || !r.ok) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: toKafkaCode(r.error) };
        return { partitionIndex: p.partitionIndex, lowWatermark: r.ok.lowWatermark, errorCode: KafkaErrors.NONE.code };
      }),
    })),
  };
};
