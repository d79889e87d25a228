// DESCRIBE_GROUP -> GROUP_DESCRIPTION: members with their assignments, and per partition the committed
// offset, the log end and the lag.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleDescribeGroup: WsHandler<typeof FrameType.DESCRIBE_GROUP> = async ({ coordinator }, frame) => {
  const d = await coordinator.describeGroup(frame.groupId);
  return {
    type: FrameType.GROUP_DESCRIPTION,
    requestId: frame.requestId,
    groupId: d.groupId,
    state: d.state,
    protocolType: d.protocolType,
    protocol: d.protocol,
    members: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment: m.partitions ?? [] })),
    offsets: d.offsets.map((o) => ({ topic: o.topic, partition: o.partition, committed: o.committedOffset, logEndOffset: o.logEndOffset ?? -1n, lag: o.lag ?? -1n })),
  };
};
