// The leader-epoch check of KIP-320, shared by Fetch and ListOffsets (Kafka's Partition.checkCurrentLeaderEpoch),
// cluster mode only: a client sends the leader epoch it learned from Metadata; -1 skips the check.
//
// Behavior: older than this broker's view of the partition's leader epoch → FENCED_LEADER_EPOCH (the
// client's metadata is stale: it refreshes and retries); newer → UNKNOWN_LEADER_EPOCH (this broker has not
// seen the election yet: retriable). Checked before the leadership check, as Kafka does. On a single node
// Metadata reports -1 and the check is skipped (the node's answers stay as before).

import { KafkaErrors } from "../../../errors/index.js";
import type { KafkaBrokerContext } from "./context.js";

export function leaderEpochError(ctx: KafkaBrokerContext, topic: string, partition: number, current: number | undefined): number {
  const cluster = ctx.broker.cluster;
  if (!cluster || current === undefined || current < 0) return KafkaErrors.NONE.code;
  const epoch = cluster.partition(topic, partition)?.leaderEpoch;
  if (epoch === undefined || epoch < 0) return KafkaErrors.NONE.code; // unknown partition: the read reports it
  if (current < epoch) return KafkaErrors.FENCED_LEADER_EPOCH.code;
  if (current > epoch) return KafkaErrors.UNKNOWN_LEADER_EPOCH.code;
  return KafkaErrors.NONE.code;
}
