// Heartbeat (12).
//
// Behavior (GroupMetadataManager.classicGroupHeartbeat, Kafka 3.7+; GroupCoordinator.handleHeartbeat before):
// - groupId "" → INVALID_GROUP_ID; unknown or managed group → UNKNOWN_MEMBER_ID. A KIP-848 consumer group:
//   its classic-protocol members are answered by consumer/classic-members.ts (online migration); anyone
//   else gets UNKNOWN_MEMBER_ID (Kafka: the member does not use the classic protocol).
// - Dead → COORDINATOR_NOT_AVAILABLE; an instance id held by another member → FENCED_INSTANCE_ID; unknown
//   member → UNKNOWN_MEMBER_ID; generation ≠ the group's →
//   ILLEGAL_GENERATION.
// - Empty → UNKNOWN_MEMBER_ID.
// - PreparingRebalance → REBALANCE_IN_PROGRESS, and the session restarts: this answer is how members learn
//   that they must rejoin.
// - CompletingRebalance, Stable → NONE, and the session restarts (clients heartbeat between their
//   JoinGroup answer and their SyncGroup).

import { Err, type GroupContext } from "../context.js";
import type { HeartbeatRequest, HeartbeatResponse } from "../types.js";
import { rescheduleHeartbeat } from "./rebalance.js";
import { heartbeatConsumerGroup } from "../consumer/classic-members.js";

export function heartbeat(ctx: GroupContext, req: HeartbeatRequest): HeartbeatResponse {
  if (!req.groupId) return { errorCode: Err.INVALID_GROUP_ID };
  const group = ctx.groups.get(req.groupId);
  if (group?.kind === "consumer") return heartbeatConsumerGroup(ctx, group, req);
  if (!group || group.kind !== "classic") return { errorCode: Err.UNKNOWN_MEMBER_ID };
  if (group.is("Dead")) return { errorCode: Err.COORDINATOR_NOT_AVAILABLE };
  // A replaced static incarnation is fenced, not merely unknown (KIP-345).
  if (group.isFencedInstance(req.groupInstanceId, req.memberId)) return { errorCode: Err.FENCED_INSTANCE_ID };
  const member = group.member(req.memberId);
  if (!member) return { errorCode: Err.UNKNOWN_MEMBER_ID };
  if (req.generationId !== group.generationId) return { errorCode: Err.ILLEGAL_GENERATION };
  switch (group.state) {
    case "PreparingRebalance":
      rescheduleHeartbeat(ctx, group, member);
      return { errorCode: Err.REBALANCE_IN_PROGRESS };
    case "CompletingRebalance":
    case "Stable":
      rescheduleHeartbeat(ctx, group, member);
      return { errorCode: Err.NONE };
    default:
      return { errorCode: Err.UNKNOWN_MEMBER_ID };
  }
}
