// LeaveGroup (key 13), v0-5 (v4+ flexible, v5 adds a reason per member, logged nowhere).
//
// Behavior: the members leave at once and the group rebalances without them (no session timeout to wait
// out). v0-2 name one member and carry one error code (the member's error folded in, as Kafka's
// LeaveGroupResponse does for old versions); v3 carries a member list (kafkajs) with an error per member.
// Without a coordinator: COORDINATOR_NOT_AVAILABLE.

import { KafkaErrors } from "../../../errors/index.js";
import { leaveErrorCodeV0 } from "../../../groups/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleLeaveGroup: Handler<typeof ApiKey.LeaveGroup> = (ctx, request, info) => {
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, members: [] };
  const single = info.header.apiVersion <= 2;
  const res = ctx.coordinator.leaveGroup({
    groupId: request.groupId,
    members: single ? [{ memberId: request.memberId }] : request.members,
  });
  if (single) return { errorCode: leaveErrorCodeV0(res), members: [] };
  return { errorCode: res.errorCode, members: res.members };
};
