// OffsetForLeaderEpoch (key 23), v0-4.
//
// Behavior: one node that never changes leader, so every batch is written in leader epoch 0 and that
// epoch ends at the log end offset. For each partition: requested epoch 0 (or below: the client knows
// no later one) → epoch 0, end offset = log end offset; a later epoch → UNDEFINED (-1, -1), as Kafka
// answers an epoch it has not seen. current_leader_epoch (v2+): -1 skips the check; above 0 →
// UNKNOWN_LEADER_EPOCH. Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION.
// Clients call this to validate a position after a leader change (KIP-320); Metadata reports epochs as
// -1, so librdkafka and Java clients rarely do, but the answer is correct when they do.
// Cluster mode (KIP-101/279/320): answered by the partition's leader from its leader-epoch cache (the
// largest epoch <= the requested one and where it ends: the next epoch's start, or the log end);
// current_leader_epoch older than the leader's → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH; a
// broker that does not lead the partition → NOT_LEADER_OR_FOLLOWER.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { leaderEpochError } from "./leader-epoch.js";

export const handleOffsetForLeaderEpoch: Handler<typeof ApiKey.OffsetForLeaderEpoch> = (ctx, request) => ({
  topics: request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const end = ctx.broker.logEndOffset(t.topic, p.partition);
      if (end === undefined) return { errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      const cluster = ctx.broker.cluster;
      if (cluster?.epochEnd) {
        const epochError = leaderEpochError(ctx, t.topic, p.partition, p.currentLeaderEpoch);
        if (epochError) return { errorCode: epochError, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        const answer = cluster.epochEnd(t.topic, p.partition, p.leaderEpoch);
        if (!answer) return { errorCode: KafkaErrors.NOT_LEADER_OR_FOLLOWER.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        return { errorCode: KafkaErrors.NONE.code, partition: p.partition, leaderEpoch: answer.epoch, endOffset: answer.endOffset };
      }
      if (p.currentLeaderEpoch > 0) return { errorCode: KafkaErrors.UNKNOWN_LEADER_EPOCH.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      if (p.leaderEpoch > 0) return { errorCode: KafkaErrors.NONE.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      return { errorCode: KafkaErrors.NONE.code, partition: p.partition, leaderEpoch: 0, endOffset: end };
    }),
  })),
});
