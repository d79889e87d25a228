// SyncGroup (14).
//
// Behavior (GroupMetadataManager.classicGroupSync, Kafka 3.7+; GroupCoordinator.handleSyncGroup before):
// - groupId "" → INVALID_GROUP_ID; unknown, managed or memberless group → UNKNOWN_MEMBER_ID. A KIP-848
//   consumer group with members: consumer/classic-members.ts (online migration).
// - Dead → COORDINATOR_NOT_AVAILABLE; unknown member → UNKNOWN_MEMBER_ID; generation ≠ the group's →
//   ILLEGAL_GENERATION; protocolType / protocolName given (v5+) and ≠ the group's → INCONSISTENT_GROUP_PROTOCOL.
// - PreparingRebalance → REBALANCE_IN_PROGRESS (the member must rejoin first).
// - CompletingRebalance: the request parks. When the leader's arrives, its assignments are stored (members
//   it left out get an empty assignment; ids that are not members are ignored), every parked SyncGroup is
//   answered with its member's assignment and the group becomes Stable. A follower that syncs before the
//   leader therefore waits, until the leader syncs, or a rebalance answers it with REBALANCE_IN_PROGRESS.
// - The leader's assignment is written to the offsets log (persist/snapshot.ts) before anyone is answered,
//   as Kafka does: once the write is durable, and if the group is still completing that generation, every
//   parked SyncGroup gets its assignment and the group becomes Stable. If the write fails, every parked
//   SyncGroup gets the append's error (as OffsetCommit maps it, e.g. NOT_COORDINATOR) and the group
//   rebalances (Kafka's resetAndPropagateAssignmentError + prepareRebalance).
// - Stable: the member's assignment at once (a follower that synced after the leader).

import { Err, type GroupContext } from "../context.js";
import { EMPTY_BYTES, type SyncGroupRequest, type SyncGroupResponse } from "../types.js";
import { persistClassic } from "../persist/snapshot.js";
import { syncConsumerGroup } from "../consumer/classic-members.js";
import { prepareRebalance, propagateAssignment, removePendingSyncMember, rescheduleHeartbeat, resetAndPropagateAssignmentError, setAssignment, syncError } from "./rebalance.js";

export function syncGroup(ctx: GroupContext, request: SyncGroupRequest): Promise<SyncGroupResponse> {
  return new Promise((resolve) => handleSync(ctx, request, resolve));
}

function handleSync(ctx: GroupContext, req: SyncGroupRequest, respond: (response: SyncGroupResponse) => void): void {
  if (!req.groupId) return respond(syncError(Err.INVALID_GROUP_ID));
  const group = ctx.groups.get(req.groupId);
  if (group?.kind === "consumer" && group.size > 0) return void syncConsumerGroup(ctx, group, req).then(respond);
  if (!group || group.kind !== "classic" || (group.size === 0 && !group.is("Dead"))) return respond(syncError(Err.UNKNOWN_MEMBER_ID));
  if (group.is("Dead")) return respond(syncError(Err.COORDINATOR_NOT_AVAILABLE));
  if (group.isFencedInstance(req.groupInstanceId, req.memberId)) return respond(syncError(Err.FENCED_INSTANCE_ID));
  const member = group.member(req.memberId);
  if (!member) return respond(syncError(Err.UNKNOWN_MEMBER_ID));
  if (req.generationId !== group.generationId) return respond(syncError(Err.ILLEGAL_GENERATION));
  if (req.protocolType != null && req.protocolType !== group.protocolType) return respond(syncError(Err.INCONSISTENT_GROUP_PROTOCOL));
  if (req.protocolName != null && req.protocolName !== group.protocolName) return respond(syncError(Err.INCONSISTENT_GROUP_PROTOCOL));

  switch (group.state) {
    case "PreparingRebalance":
      return respond(syncError(Err.REBALANCE_IN_PROGRESS));
    case "CompletingRebalance": {
      // A duplicate SyncGroup replaces the parked one; answer the old one rather than leave it hanging.
      member.completeSync(syncError(Err.REBALANCE_IN_PROGRESS));
      member.syncWaiter = respond;
      removePendingSyncMember(ctx, group, member.memberId);
      if (!group.isLeader(member.memberId)) return;
      const assignment = new Map<string, Uint8Array>();
      for (const a of req.assignments) if (group.members.has(a.memberId)) assignment.set(a.memberId, a.assignment);
      const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
      if (missing.length) ctx.logger.debug("leader left members without an assignment", { group: group.groupId, missing });
      setAssignment(group, assignment);
      const generation = group.generationId;
      void persistClassic(ctx, group).then((error) => {
        // Moved on meanwhile (a member left, the group was unloaded): the parked requests were answered then.
        if (ctx.groups.get(group.groupId) !== group || group.generationId !== generation || !group.is("CompletingRebalance")) return;
        if (error !== Err.NONE) {
          resetAndPropagateAssignmentError(ctx, group, error);
          prepareRebalance(ctx, group, `the group's metadata could not be written (error ${error})`);
          return;
        }
        propagateAssignment(ctx, group, Err.NONE);
        group.transitionTo("Stable", ctx.clock.now());
      });
      return;
    }
    case "Stable":
      removePendingSyncMember(ctx, group, member.memberId);
      rescheduleHeartbeat(ctx, group, member);
      return respond({ errorCode: Err.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment ?? EMPTY_BYTES });
    default:
      // Empty with members cannot happen (Empty means no members); answer as Kafka does for Empty.
      return respond(syncError(Err.UNKNOWN_MEMBER_ID));
  }
}
