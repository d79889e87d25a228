// OffsetForLeaderEpoch (key 23), v0-4.
//
// Behavior: one node that never changes leader, so every batch is written in leader epoch 0 and that
// epoch ends at the log end offset. For each partition: requested epoch 0 (or below: the client knows
// no later one) → epoch 0, end offset = log end offset; a later epoch → UNDEFINED (-1, -1), as Kafka
// answers an epoch it has not seen. current_leader_epoch (v2+): -1 skips the check; above 0 →
// UNKNOWN_LEADER_EPOCH. Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION.
// Clients call this to validate a position after a leader change (KIP-320); Metadata reports epochs as
// -1, so librdkafka and Java clients rarely do, but the answer is correct when they do.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleOffsetForLeaderEpoch: Handler<typeof ApiKey.OffsetForLeaderEpoch> = (ctx, request) => ({
  topics: request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const end = ctx.broker.logEndOffset(t.topic, p.partition);
      if (end === undefined) return { errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      if (p.currentLeaderEpoch > 0) return { errorCode: KafkaErrors.UNKNOWN_LEADER_EPOCH.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      if (p.leaderEpoch > 0) return { errorCode: KafkaErrors.NONE.code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      return { errorCode: KafkaErrors.NONE.code, partition: p.partition, leaderEpoch: 0, endOffset: end };
    }),
  })),
});
