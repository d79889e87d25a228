// The classic protocol's timed machinery, shared by every request handler: starting a rebalance, ending a
// join phase, the pending-sync deadline, session expiry, and answering parked SyncGroups. Timer callbacks
// look their group up again by id and do nothing if it was deleted or replaced since.
//
// Behavior (GroupMetadataManager.java 3.7+, same as GroupCoordinator.scala):
// - prepareRebalance: parked SyncGroups get REBALANCE_IN_PROGRESS; the sync deadline is dropped. From Empty
//   the join window is the initial delay, renewed (at most the initial delay again, never past the rebalance
//   timeout) each time a new member arrived during it, and it never ends early. Otherwise the phase ends when
//   every known member has rejoined and no MEMBER_ID_REQUIRED id is outstanding, or at the rebalance timeout
//   (the largest among the members).
// - completeJoin: members that did not rejoin are removed; if nobody rejoined the phase is retried after
//   another rebalance timeout; else generation + 1 and every parked JoinGroup is answered (members only to
//   the leader), sessions restart, and the group waits for every SyncGroup until the rebalance timeout, then
//   removes those that did not sync and rebalances again.
// - Session expiry: a member whose JoinGroup or SyncGroup is parked is alive (unless it is new: its JoinGroup
//   is bounded by newMemberJoinTimeoutMs); otherwise it is removed (its parked JoinGroup, if any, gets
//   UNKNOWN_MEMBER_ID) and the group rebalances. An expired MEMBER_ID_REQUIRED id is forgotten.

import { timerKey } from "../clock.js";
import { Err, type GroupContext } from "../context.js";
import type { ClassicGroup } from "../group.js";
import type { ClassicMember } from "../member.js";
import { EMPTY_BYTES, type SyncGroupResponse } from "../types.js";
import { persistClassic } from "../persist/snapshot.js";

function current(ctx: GroupContext, group: ClassicGroup): boolean {
  return ctx.groups.get(group.groupId) === group;
}

export function maybePrepareRebalanceOrCompleteJoin(ctx: GroupContext, group: ClassicGroup, reason: string): void {
  if (group.canRebalance) prepareRebalance(ctx, group, reason);
  else maybeCompleteJoinPhase(ctx, group);
}

export function prepareRebalance(ctx: GroupContext, group: ClassicGroup, reason: string): void {
  if (group.is("CompletingRebalance")) resetAndPropagateAssignmentError(ctx, group, Err.REBALANCE_IN_PROGRESS);
  removeSyncExpiration(ctx, group);
  const initial = group.is("Empty");
  group.transitionTo("PreparingRebalance", ctx.clock.now());
  ctx.logger.info("preparing to rebalance group", { group: group.groupId, generation: group.generationId, reason });
  if (initial) {
    const delay = ctx.config.initialRebalanceDelayMs;
    scheduleInitialJoin(ctx, group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
  } else if (group.hasAllMembersJoined()) {
    completeJoin(ctx, group);
  } else {
    ctx.timers.schedule(timerKey.join(group.groupId), group.rebalanceTimeoutMs(), () => current(ctx, group) && completeJoin(ctx, group));
  }
}

/**
 * A group put back in the middle of a rebalance whose timers were dropped (a failed online upgrade rolled
 * back, consumer/rollback.ts): the join phase runs again, or the rebalance starts again if it was syncing.
 */
export function resumeRebalance(ctx: GroupContext, group: ClassicGroup): void {
  if (group.canRebalance) prepareRebalance(ctx, group, "resumed after a failed conversion was rolled back");
  else ctx.timers.schedule(timerKey.join(group.groupId), group.rebalanceTimeoutMs(), () => current(ctx, group) && completeJoin(ctx, group));
}

function scheduleInitialJoin(ctx: GroupContext, group: ClassicGroup, delayMs: number, remainingMs: number): void {
  ctx.timers.schedule(timerKey.join(group.groupId), delayMs, () => {
    if (!current(ctx, group)) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      // Kafka's arithmetic, kept as is: the next window is at most one initial delay, and the budget shrinks
      // by the window that just ended.
      scheduleInitialJoin(ctx, group, Math.min(ctx.config.initialRebalanceDelayMs, remainingMs), Math.max(remainingMs - delayMs, 0));
    } else {
      completeJoin(ctx, group);
    }
  });
}

/** Ends the join phase early once everybody is in, except in the initial rebalance, which runs its window. */
export function maybeCompleteJoinPhase(ctx: GroupContext, group: ClassicGroup): void {
  if (!group.is("PreparingRebalance") || group.previousState === "Empty") return;
  if (group.hasAllMembersJoined()) completeJoin(ctx, group);
}

export function completeJoin(ctx: GroupContext, group: ClassicGroup): void {
  ctx.timers.cancel(timerKey.join(group.groupId));
  for (const member of group.notYetRejoinedMembers()) {
    group.remove(member.memberId);
    ctx.timers.cancel(timerKey.heartbeat(group.groupId, member.memberId));
    ctx.logger.info("removed member that did not rejoin", { group: group.groupId, member: member.memberId });
  }
  if (group.is("Dead")) return;
  if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
    // Unreachable after the removal above unless members are kept (static members in Kafka); kept for parity.
    ctx.timers.schedule(timerKey.join(group.groupId), group.rebalanceTimeoutMs(), () => current(ctx, group) && completeJoin(ctx, group));
    return;
  }
  group.initNextGeneration(ctx.clock.now());
  if (group.is("Empty")) {
    ctx.logger.info("group is now empty", { group: group.groupId, generation: group.generationId });
    void persistClassic(ctx, group); // a tombstone: nothing left to restore
    return;
  }
  ctx.logger.info("stabilized group", { group: group.groupId, generation: group.generationId, members: group.size });
  const everyone = group.currentMemberMetadata();
  for (const member of group.members.values()) {
    member.completeJoin({
      errorCode: Err.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      memberId: member.memberId,
      members: group.isLeader(member.memberId) ? everyone : [],
    });
    rescheduleHeartbeat(ctx, group, member);
    member.isNew = false;
    group.pendingSyncMembers.add(member.memberId);
  }
  const generation = group.generationId;
  ctx.timers.schedule(timerKey.sync(group.groupId), group.rebalanceTimeoutMs(), () => current(ctx, group) && expirePendingSync(ctx, group, generation));
}

function expirePendingSync(ctx: GroupContext, group: ClassicGroup, generationId: number): void {
  if (generationId !== group.generationId) return;
  if (!group.is("CompletingRebalance") && !group.is("Stable")) return;
  if (group.pendingSyncMembers.size === 0) return;
  const missing = [...group.pendingSyncMembers];
  for (const memberId of missing) {
    group.remove(memberId);
    ctx.timers.cancel(timerKey.heartbeat(group.groupId, memberId));
  }
  prepareRebalance(ctx, group, `members ${missing.join(", ")} did not send SyncGroup in time`);
}

export function removeSyncExpiration(ctx: GroupContext, group: ClassicGroup): void {
  group.pendingSyncMembers.clear();
  ctx.timers.cancel(timerKey.sync(group.groupId));
}

export function removePendingSyncMember(ctx: GroupContext, group: ClassicGroup, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  if (group.pendingSyncMembers.size === 0) ctx.timers.cancel(timerKey.sync(group.groupId));
}

export function rescheduleHeartbeat(ctx: GroupContext, group: ClassicGroup, member: ClassicMember, timeoutMs = member.sessionTimeoutMs): void {
  const { groupId } = group;
  const { memberId } = member;
  ctx.timers.schedule(timerKey.heartbeat(groupId, memberId), timeoutMs, () => current(ctx, group) && expireHeartbeat(ctx, group, memberId));
}

/** A MEMBER_ID_REQUIRED id must come back within the session timeout it asked for. */
export function schedulePendingMemberExpiry(ctx: GroupContext, group: ClassicGroup, memberId: string, timeoutMs: number): void {
  ctx.timers.schedule(timerKey.heartbeat(group.groupId, memberId), timeoutMs, () => current(ctx, group) && expireHeartbeat(ctx, group, memberId));
}

function expireHeartbeat(ctx: GroupContext, group: ClassicGroup, memberId: string): void {
  if (group.is("Dead")) return;
  if (group.pendingMembers.has(memberId)) {
    group.remove(memberId);
    if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) completeJoin(ctx, group);
    return;
  }
  const member = group.member(memberId);
  if (!member || member.hasSatisfiedHeartbeat) return;
  ctx.logger.info("member session expired", { group: group.groupId, member: memberId });
  removeMemberAndUpdateGroup(ctx, group, member, `session of ${memberId} expired`);
}

/** Removes a member and moves the group on: a rebalance, or the end of the join phase it was holding up. */
export function removeMemberAndUpdateGroup(ctx: GroupContext, group: ClassicGroup, member: ClassicMember, reason: string): void {
  dropMember(ctx, group, member);
  if (group.is("Stable") || group.is("CompletingRebalance")) maybePrepareRebalanceOrCompleteJoin(ctx, group, reason);
  else if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) completeJoin(ctx, group);
}

/** Removes a member, answering its parked requests so no caller waits forever. */
export function dropMember(ctx: GroupContext, group: ClassicGroup, member: ClassicMember): void {
  member.completeJoin(joinError("", Err.UNKNOWN_MEMBER_ID));
  member.completeSync(syncError(Err.UNKNOWN_MEMBER_ID));
  group.remove(member.memberId);
  ctx.timers.cancel(timerKey.heartbeat(group.groupId, member.memberId));
}

export function resetAndPropagateAssignmentError(ctx: GroupContext, group: ClassicGroup, errorCode: number): void {
  for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
  propagateAssignment(ctx, group, errorCode);
}

/** The leader's assignment, stored on the members (answered once it is durable: propagateAssignment). */
export function setAssignment(group: ClassicGroup, assignment: Map<string, Uint8Array>): void {
  for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY_BYTES;
}

export function propagateAssignment(ctx: GroupContext, group: ClassicGroup, errorCode: number): void {
  const ok = errorCode === Err.NONE;
  for (const member of group.members.values()) {
    const answered = member.completeSync({
      errorCode,
      protocolType: ok ? group.protocolType : null,
      protocolName: ok ? group.protocolName : null,
      assignment: member.assignment,
    });
    // A session that ran out while the SyncGroup was parked was ignored; start it afresh now.
    if (answered) rescheduleHeartbeat(ctx, group, member);
  }
}

export function joinError(memberId: string, errorCode: number) {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}
