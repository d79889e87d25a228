// DescribeProducers (key 61), v0.
//
// Behavior: per partition, the idempotent producers its owner shard tracks (the state that deduplicates
// retried batches, kept until producer.id.expiration.ms of idleness): producer id and epoch, the last
// sequence number written and the newest batch timestamp, and current_txn_start_offset: the first offset of
// the producer's open transaction on the partition (-1 when none), and coordinator_epoch: that of the
// producer's latest transaction marker there (-1 when none; 0 on one node, the leader epoch of the id's
// __transaction_state partition in cluster mode). Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION
// with an error message.

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDescribeProducers: Handler<typeof ApiKey.DescribeProducers> = async (ctx, request) => {
  const refs = request.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
  const results = await ctx.broker.describeProducers(refs);
  let i = 0;
  return {
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const r = results[i++]!;
        if (r.error || !r.ok) return { partitionIndex, errorCode: toKafkaCode(r.error), errorMessage: r.error?.message ?? null, activeProducers: [] };
        return {
          partitionIndex,
          errorCode: KafkaErrors.NONE.code,
          errorMessage: null,
          activeProducers: r.ok.map((p) => ({ ...p, coordinatorEpoch: p.coordinatorEpoch ?? -1, currentTxnStartOffset: p.currentTxnStartOffset ?? -1n })),
        };
      }),
    })),
  };
};
