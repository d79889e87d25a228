// CREATE_PARTITIONS -> OK: grows a topic to `total` partitions (Kafka's CreatePartitions). The broker core
// checks: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; a total that is not larger than the current count
// (partitions are never removed) or above the broker's limit is INVALID_PARTITIONS; an internal topic is
// INVALID_REQUEST. No existing data moves: the new partitions start empty, and keyed records produced from
// now on may hash to a different partition than the key's older records (as in Kafka). Groups reading the
// topic rebalance onto the new partitions. In cluster mode the controller places the new partitions'
// replicas (docs/cluster.md, "Adding partitions"); fewer live brokers than the replication factor is
// INVALID_REPLICATION_FACTOR.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleCreatePartitions: WsHandler<typeof FrameType.CREATE_PARTITIONS> = async ({ broker, coordinator }, frame) => {
  await broker.addPartitions(frame.name, frame.total);
  coordinator.refreshTopics();
  return { type: FrameType.OK, requestId: frame.requestId };
};
