// RESET_OFFSETS -> COMMITTED: moves an empty group's committed offsets for a topic to earliest, latest, an
// offset or a time. Refused with NON_EMPTY_GROUP while the group has members (as kafka-consumer-groups).

import { KafkaProtocolError } from "../../../errors/index.js";
import { Err } from "../../../groups/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import { startFrom } from "../../../protocol/ws/start-position.js";
import type { WsHandler } from "./context.js";

export const handleResetOffsets: WsHandler<typeof FrameType.RESET_OFFSETS> = async ({ coordinator }, frame) => {
  const result = await coordinator.resetOffsets(frame.groupId, frame.topic, startFrom(frame.start));
  if (result.errorCode === Err.NON_EMPTY_GROUP) throw new KafkaProtocolError("NON_EMPTY_GROUP", `group ${frame.groupId} has active members: stop them before resetting offsets`);
  if (result.errorCode === Err.UNKNOWN_TOPIC_OR_PARTITION) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${frame.topic}`);
  return {
    type: FrameType.COMMITTED,
    requestId: frame.requestId,
    items: result.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, metadata: "", errorCode: p.errorCode })),
  };
};
