// FETCH_COMMITTED -> COMMITTED: a group's committed offsets for the named topics (all when none).

import { KafkaProtocolError } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleFetchCommitted: WsHandler<typeof FrameType.FETCH_COMMITTED> = ({ broker, coordinator }, frame) => {
  const topics = frame.topics.length
    ? frame.topics.map((name) => ({ name, partitionIndexes: Array.from({ length: broker.topic(name)?.partitions ?? 0 }, (_, p) => p) }))
    : null;
  const response = coordinator.fetchOffsets({ groupId: frame.groupId, topics });
  if (response.errorCode) throw new KafkaProtocolError("COORDINATOR_LOAD_IN_PROGRESS", `offset fetch failed with code ${response.errorCode}`);
  return {
    type: FrameType.COMMITTED,
    requestId: frame.requestId,
    items: response.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata ?? "", errorCode: p.errorCode })),
    ),
  };
};
