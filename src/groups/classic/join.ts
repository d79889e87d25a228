// JoinGroup (11).
//
// Behavior (GroupMetadataManager.classicGroupJoin, Kafka 3.7+; GroupCoordinator.handleJoinGroup before):
// - groupId "" → INVALID_GROUP_ID; session timeout outside [min, max] → INVALID_SESSION_TIMEOUT.
// - Unknown group: created (Empty) for memberId "", else UNKNOWN_MEMBER_ID.
// - A managed (server-assigned) group with members → INCONSISTENT_GROUP_PROTOCOL; an empty one becomes classic.
//   A KIP-848 consumer group with members takes the member as a classic-protocol member
//   (consumer/classic-members.ts) unless consumerMigrationPolicy is "disabled" (then
//   INCONSISTENT_GROUP_PROTOCOL).
// - Group full (maxGroupSize: awaiting members while preparing, members otherwise) → GROUP_MAX_SIZE_REACHED.
// - New member (memberId ""): protocol type or protocols incompatible with the group →
//   INCONSISTENT_GROUP_PROTOCOL. With requireKnownMemberId (JoinGroup v4+, dynamic members) it gets an id
//   and MEMBER_ID_REQUIRED at once, and the join phase waits for it to come back within its session
//   timeout. Otherwise it is added (parked) and the group rebalances or the join phase may end.
// - Known member: a MEMBER_ID_REQUIRED id rejoining is added as above. Else unknown id → UNKNOWN_MEMBER_ID;
//   by state: PreparingRebalance: update and park; CompletingRebalance: same metadata → this generation's
//   answer at once (leader gets the members), changed → rebalance; Stable: the leader or changed metadata
//   → rebalance, a follower with the same metadata → this generation's answer; Empty → UNKNOWN_MEMBER_ID.
// - Static members (v5+ group_instance_id, KIP-345): no MEMBER_ID_REQUIRED round trip. A new JoinGroup
//   (member id "") with an instance id the group already holds replaces that member: it gets a new member
//   id, the old incarnation's assignment and leadership, and the old incarnation's parked requests (and
//   any later ones) get FENCED_INSTANCE_ID. In Stable (or CompletingRebalance) with unchanged metadata
//   there is no rebalance: the new incarnation gets this generation at once (the leader also gets the
//   members) and its SyncGroup returns the assignment it had. Changed metadata, or a group that is
//   rebalancing anyway, rebalances as for any member. A known member id with another member's instance id:
//   FENCED_INSTANCE_ID.
// Version notes: v0 has no rebalance timeout (the session timeout is used). MEMBER_ID_REQUIRED is only
// for v4+ (kafka-python knows error codes up to 69 only).

import { timerKey } from "../clock.js";
import { Err, newMemberId, sessionTimeoutValid, type GroupContext } from "../context.js";
import { ClassicGroup } from "../group.js";
import { ClassicMember } from "../member.js";
import { EMPTY_BYTES, type JoinGroupRequest, type JoinGroupResponse } from "../types.js";
import { persistClassic } from "../persist/snapshot.js";
import { classicJoinAllowed, joinConsumerGroup } from "../consumer/classic-members.js";
import { joinError, maybePrepareRebalanceOrCompleteJoin, rescheduleHeartbeat, schedulePendingMemberExpiry } from "./rebalance.js";

type Respond = (response: JoinGroupResponse) => void;

export function joinGroup(ctx: GroupContext, request: JoinGroupRequest): Promise<JoinGroupResponse> {
  return new Promise((resolve) => handleJoin(ctx, request, resolve));
}

function handleJoin(ctx: GroupContext, req: JoinGroupRequest, respond: Respond): void {
  const { groupId, memberId } = req;
  if (!groupId) return respond(joinError(memberId, Err.INVALID_GROUP_ID));
  if (!sessionTimeoutValid(ctx, req.sessionTimeoutMs)) return respond(joinError(memberId, Err.INVALID_SESSION_TIMEOUT));
  const isUnknownMember = memberId === "";
  let existing = ctx.groups.get(groupId);
  if (existing?.kind === "consumer" && existing.size > 0 && classicJoinAllowed(ctx)) {
    // KIP-848 online migration: a classic member inside a consumer group, assigned by the coordinator.
    return joinConsumerGroup(ctx, existing, req, respond);
  }
  if (existing?.kind === "managed" || existing?.kind === "consumer") {
    // A WebSocket or KIP-848 group with members cannot take classic members (Kafka: INCONSISTENT_GROUP_PROTOCOL
    // when the consumer group cannot take them); an empty one turns classic, its committed offsets stay.
    if (existing.size > 0) return respond(joinError(memberId, Err.INCONSISTENT_GROUP_PROTOCOL));
    ctx.groups.delete(groupId);
    ctx.timers.cancelPrefix(timerKey.group(groupId));
    existing = undefined;
  }
  let group = existing;
  if (!group) {
    if (!isUnknownMember) return respond(joinError(memberId, Err.UNKNOWN_MEMBER_ID));
    group = new ClassicGroup(groupId, ctx.clock.now());
    ctx.groups.set(groupId, group);
  }
  if (!acceptJoiningMember(ctx, group, memberId)) {
    group.remove(memberId);
    return respond(joinError("", Err.GROUP_MAX_SIZE_REACHED));
  }
  if (isUnknownMember) joinNewMember(ctx, group, req, respond);
  else joinExistingMember(ctx, group, req, respond);
}

function acceptJoiningMember(ctx: GroupContext, group: ClassicGroup, memberId: string): boolean {
  const max = ctx.config.maxGroupSize;
  switch (group.state) {
    case "Empty":
    case "Dead":
      return true;
    case "PreparingRebalance":
      // Counting awaiting members (not all members) lets the group shrink back under a lowered limit.
      return (group.member(memberId)?.isAwaitingJoin ?? false) || group.numAwaitingJoin < max;
    default:
      return group.member(memberId) !== undefined || group.size < max;
  }
}

function joinNewMember(ctx: GroupContext, group: ClassicGroup, req: JoinGroupRequest, respond: Respond): void {
  if (group.is("Dead")) return respond(joinError("", Err.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError("", Err.INCONSISTENT_GROUP_PROTOCOL));
  const memberId = newMemberId(req.groupInstanceId ?? req.clientId ?? "");
  const staticHolder = req.groupInstanceId ? group.member(group.staticMembers.get(req.groupInstanceId) ?? "") : undefined;
  if (staticHolder) return replaceStaticMember(ctx, group, staticHolder, req, memberId, respond);
  if (req.requireKnownMemberId && !req.groupInstanceId) {
    group.pendingMembers.add(memberId);
    schedulePendingMemberExpiry(ctx, group, memberId, req.sessionTimeoutMs);
    return respond(joinError(memberId, Err.MEMBER_ID_REQUIRED));
  }
  addMemberAndRebalance(ctx, group, req, memberId, respond);
}

function joinExistingMember(ctx: GroupContext, group: ClassicGroup, req: JoinGroupRequest, respond: Respond): void {
  const { memberId } = req;
  if (group.is("Dead")) return respond(joinError(memberId, Err.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError(memberId, Err.INCONSISTENT_GROUP_PROTOCOL));
  if (group.pendingMembers.has(memberId)) return addMemberAndRebalance(ctx, group, req, memberId, respond);
  if (group.isFencedInstance(req.groupInstanceId, memberId)) return respond(joinError(memberId, Err.FENCED_INSTANCE_ID));
  const member = group.member(memberId);
  if (!member) return respond(joinError(memberId, Err.UNKNOWN_MEMBER_ID));
  const currentGeneration = (): JoinGroupResponse => ({
    errorCode: Err.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? "",
    memberId,
    members: group.isLeader(memberId) ? group.currentMemberMetadata() : [],
  });
  switch (group.state) {
    case "PreparingRebalance":
      return updateMemberAndRebalance(ctx, group, member, req, respond, `member ${memberId} rejoined`);
    case "CompletingRebalance":
      // The same metadata again most likely means the member lost our answer: repeat it.
      if (member.matches(req.protocols)) return respond(currentGeneration());
      return updateMemberAndRebalance(ctx, group, member, req, respond, `member ${memberId} changed its metadata`);
    case "Stable":
      // The leader rejoining is how a client asks for a rebalance (e.g. it saw new partitions).
      if (group.isLeader(memberId)) return updateMemberAndRebalance(ctx, group, member, req, respond, `leader ${memberId} rejoined`);
      if (!member.matches(req.protocols)) return updateMemberAndRebalance(ctx, group, member, req, respond, `member ${memberId} changed its metadata`);
      return respond({ ...currentGeneration(), members: [] });
    default:
      return respond(joinError(memberId, Err.UNKNOWN_MEMBER_ID));
  }
}

/** The member a JoinGroup describes, under the id the coordinator gave it. */
function memberFrom(req: JoinGroupRequest, memberId: string): ClassicMember {
  return new ClassicMember(
    memberId,
    req.groupInstanceId ?? null,
    req.clientId ?? "",
    req.clientHost ?? "",
    req.rebalanceTimeoutMs ?? req.sessionTimeoutMs,
    req.sessionTimeoutMs,
    req.protocolType,
    req.protocols,
  );
}

function addMemberAndRebalance(ctx: GroupContext, group: ClassicGroup, req: JoinGroupRequest, memberId: string, respond: Respond): void {
  const member = memberFrom(req, memberId);
  member.isNew = true;
  if (group.is("PreparingRebalance") && group.previousState === "Empty") group.newMemberAdded = true;
  group.add(member, respond);
  // A new member cannot heartbeat (it has no id yet), and a client that gave up on its parked JoinGroup would
  // otherwise stay forever: bound the wait instead.
  rescheduleHeartbeat(ctx, group, member, ctx.config.newMemberJoinTimeoutMs);
  maybePrepareRebalanceOrCompleteJoin(ctx, group, `new member ${memberId} joined`);
}

function replaceStaticMember(ctx: GroupContext, group: ClassicGroup, old: ClassicMember, req: JoinGroupRequest, memberId: string, respond: Respond): void {
  const next = memberFrom(req, memberId);
  const sameMetadata = old.matches(req.protocols);
  old.completeJoin(joinError(old.memberId, Err.FENCED_INSTANCE_ID));
  old.completeSync({ errorCode: Err.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_BYTES });
  ctx.timers.cancel(timerKey.heartbeat(group.groupId, old.memberId));
  group.replaceStaticMember(old, next);
  rescheduleHeartbeat(ctx, group, next);
  if (sameMetadata && (group.is("Stable") || group.is("CompletingRebalance"))) {
    // The new member id is written before it is answered (a restart must know it); Kafka does the same.
    const answer = (): JoinGroupResponse => ({
      errorCode: Err.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      memberId,
      members: group.isLeader(memberId) ? group.currentMemberMetadata() : [],
    });
    if (!group.is("Stable")) return respond(answer());
    void persistClassic(ctx, group).then((error) => respond(error === Err.NONE ? answer() : joinError(memberId, error)));
    return;
  }
  updateMemberAndRebalance(ctx, group, next, req, respond, `static member ${req.groupInstanceId} rejoined as ${memberId}`);
}

function updateMemberAndRebalance(ctx: GroupContext, group: ClassicGroup, member: ClassicMember, req: JoinGroupRequest, respond: Respond, reason: string): void {
  // A second JoinGroup from a member whose first is still parked replaces it; answer the first so it is not lost.
  member.completeJoin(joinError(member.memberId, Err.REBALANCE_IN_PROGRESS));
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs ?? req.sessionTimeoutMs, req.sessionTimeoutMs, respond);
  maybePrepareRebalanceOrCompleteJoin(ctx, group, reason);
}
