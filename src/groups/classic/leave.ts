// LeaveGroup (13).
//
// Behavior (GroupMetadataManager.classicGroupLeave, Kafka 3.7+):
// - groupId "" → INVALID_GROUP_ID; unknown or managed group → UNKNOWN_MEMBER_ID (top level). A KIP-848
//   consumer group: its classic-protocol members leave through consumer/classic-members.ts.
// - Dead → COORDINATOR_NOT_AVAILABLE (top level).
// - Per member: a MEMBER_ID_REQUIRED id is forgotten (NONE); a member is removed (NONE; a parked JoinGroup
//   of its gets UNKNOWN_MEMBER_ID); memberId "" or an unknown id → UNKNOWN_MEMBER_ID. A static member may be
//   named by its group instance id alone (memberId "", as admin tools remove static members); an instance
//   id held by another member id → FENCED_INSTANCE_ID.
// - If anyone left: Stable / CompletingRebalance → rebalance; PreparingRebalance → the join phase ends if
//   everybody left has rejoined.
// Version notes: v0-2 name one member and carry one error code: use `leaveErrorCodeV0` to fold the member's
// error into it (what LeaveGroupResponse does for old versions). v3+ carry the member list.

import { timerKey } from "../clock.js";
import { Err, type GroupContext } from "../context.js";
import type { LeaveGroupRequest, LeaveGroupResponse } from "../types.js";
import { leaveConsumerGroup } from "../consumer/classic-members.js";
import { dropMember, maybeCompleteJoinPhase, maybePrepareRebalanceOrCompleteJoin } from "./rebalance.js";

export function leaveGroup(ctx: GroupContext, req: LeaveGroupRequest): LeaveGroupResponse {
  if (!req.groupId) return { errorCode: Err.INVALID_GROUP_ID, members: [] };
  const group = ctx.groups.get(req.groupId);
  if (group?.kind === "consumer") return leaveConsumerGroup(ctx, group, req);
  if (!group || group.kind !== "classic") return { errorCode: Err.UNKNOWN_MEMBER_ID, members: [] };
  if (group.is("Dead")) return { errorCode: Err.COORDINATOR_NOT_AVAILABLE, members: [] };
  const left: string[] = [];
  const members = req.members.map(({ memberId, groupInstanceId }) => {
    const answer = (errorCode: number) => ({ memberId, groupInstanceId: groupInstanceId ?? null, errorCode });
    if (memberId !== "" && group.pendingMembers.has(memberId)) {
      group.remove(memberId);
      ctx.timers.cancel(timerKey.heartbeat(req.groupId, memberId));
      left.push(memberId);
      return answer(Err.NONE);
    }
    if (memberId !== "" && group.isFencedInstance(groupInstanceId, memberId)) return answer(Err.FENCED_INSTANCE_ID);
    const byInstance = memberId === "" && groupInstanceId ? group.staticMembers.get(groupInstanceId) : undefined;
    const member = group.member(byInstance ?? memberId);
    if (!member || (memberId === "" && !byInstance)) return answer(Err.UNKNOWN_MEMBER_ID);
    dropMember(ctx, group, member);
    left.push(member.memberId);
    return answer(Err.NONE);
  });
  if (left.length) {
    const reason = `members ${left.join(", ")} left`;
    if (group.is("Stable") || group.is("CompletingRebalance")) maybePrepareRebalanceOrCompleteJoin(ctx, group, reason);
    else if (group.is("PreparingRebalance")) maybeCompleteJoinPhase(ctx, group);
  }
  return { errorCode: Err.NONE, members };
}

/** LeaveGroup v0-2's single error code: the top-level error, else the one member's. */
export function leaveErrorCodeV0(response: LeaveGroupResponse): number {
  return response.errorCode !== Err.NONE ? response.errorCode : (response.members[0]?.errorCode ?? Err.NONE);
}
