// Classic-protocol members (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) inside a KIP-848 consumer group:
// the group after an online upgrade (migration.ts), or a classic consumer joining a consumer group. The
// coordinator assigns; the member's JoinGroup and SyncGroup only carry it (Kafka 4.0's
// classicGroupJoinToConsumerGroup and friends).
//
// Behavior:
// - Allowed unless consumerMigrationPolicy is "disabled" (then a consumer group with members answers
//   JoinGroup with INCONSISTENT_GROUP_PROTOCOL, as before).
// - JoinGroup: protocol type must be "consumer" and some protocol's metadata a consumer subscription, else
//   INCONSISTENT_GROUP_PROTOCOL. A new dynamic member with requireKnownMemberId gets an id and
//   MEMBER_ID_REQUIRED; it is added when it comes back with that id. A new static member whose instance id
//   another member holds replaces it (the old one is removed; its partitions are free once it is gone). An
//   unknown id → UNKNOWN_MEMBER_ID; a known id with another member's instance id → FENCED_INSTANCE_ID; a
//   KIP-848 member's id → UNKNOWN_MEMBER_ID. The subscription is the first decodable protocol's topics; a new
//   member or changed topics bump the group epoch. The member is reconciled (group.ts) toward its target with
//   the subscription's owned partitions (v1+; none for v0, whose eager clients revoke everything first). The
//   answer comes once the group's records are written: generation = the member epoch, protocol type
//   "consumer", protocol name = the member's first protocol, no leader (nobody computes an assignment), no
//   member list.
// - SyncGroup: unknown member → UNKNOWN_MEMBER_ID; generation ≠ member epoch → ILLEGAL_GENERATION; protocol
//   type/name given and not the member's → INCONSISTENT_GROUP_PROTOCOL. Answer: the member's current
//   partitions (consumer-protocol assignment bytes); the leader's assignments in the request are ignored.
// - Heartbeat: as SyncGroup's checks; NONE, or REBALANCE_IN_PROGRESS when the member must rejoin: its epoch
//   is below the group epoch, it has partitions to give up, or partitions it waited for are now free.
//   Restarts the session (the JoinGroup's session timeout). A member told to rejoin must send JoinGroup
//   within its rebalance timeout, else it is removed (its partitions go to others).
// - LeaveGroup: the member is removed (its partitions free at once, the group epoch moves).

import { timerKey } from "../clock.js";
import { Err, newMemberId, sessionTimeoutValid, type GroupContext } from "../context.js";
import { CONSUMER_PROTOCOL_TYPE, decodeSubscriptionOwned, encodeAssignment } from "../consumer-protocol.js";
import { joinError, syncError } from "../classic/rebalance.js";
import { persistConsumer } from "../persist/snapshot.js";
import type { HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, SyncGroupRequest, SyncGroupResponse } from "../types.js";
import { isReconciledTo, newMember, reconcile, toPartitions, toSet, type ConsumerGroup, type ConsumerMember } from "./group.js";
import { computeTarget, fenceMember, scheduleRebalanceTimeout, scheduleSession } from "./heartbeat.js";
import { persistAfterRemoval } from "./migration.js";
import { subscriptionMetadata } from "./subscription.js";

/** Whether classic members may join a consumer group that has members. */
export function classicJoinAllowed(ctx: GroupContext): boolean {
  return ctx.config.consumerMigrationPolicy !== "disabled";
}

export function joinConsumerGroup(ctx: GroupContext, group: ConsumerGroup, req: JoinGroupRequest, respond: (r: JoinGroupResponse) => void): void {
  if (!sessionTimeoutValid(ctx, req.sessionTimeoutMs)) return respond(joinError(req.memberId, Err.INVALID_SESSION_TIMEOUT));
  const subscription = req.protocolType === CONSUMER_PROTOCOL_TYPE ? req.protocols.map((p) => decodeSubscriptionOwned(p.metadata)).find((s) => s !== undefined) : undefined;
  const firstProtocol = req.protocols[0];
  if (!subscription || !firstProtocol) return respond(joinError(req.memberId, Err.INCONSISTENT_GROUP_PROTOCOL));
  const instanceId = req.groupInstanceId ?? null;
  let memberId = req.memberId;
  let existing: ConsumerMember | undefined;
  if (memberId === "") {
    memberId = newMemberId(instanceId ?? req.clientId ?? "");
    if (instanceId === null && req.requireKnownMemberId) {
      group.pendingClassicMembers.add(memberId);
      return respond(joinError(memberId, Err.MEMBER_ID_REQUIRED));
    }
    const holder = instanceId !== null ? group.staticMember(instanceId) : undefined;
    if (holder) fenceMember(ctx, group, holder.memberId, `static member ${instanceId} rejoined as ${memberId}`);
  } else if (group.pendingClassicMembers.delete(memberId)) {
    // The id given with MEMBER_ID_REQUIRED: a new member.
  } else {
    if (instanceId !== null && group.staticMembers.has(instanceId) && group.staticMembers.get(instanceId) !== memberId) {
      return respond(joinError(memberId, Err.FENCED_INSTANCE_ID));
    }
    existing = group.member(memberId);
    if (!existing || existing.classic === null) return respond(joinError(memberId, Err.UNKNOWN_MEMBER_ID));
  }
  if (!existing && group.size >= ctx.config.maxGroupSize) return respond(joinError("", Err.GROUP_MAX_SIZE_REACHED));

  const before = existing ?? newMember(memberId);
  const topics = [...new Set(subscription.topics)].sort();
  let updated: ConsumerMember = {
    ...before,
    instanceId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? req.sessionTimeoutMs,
    subscribedTopicNames: topics,
    subscribedTopicRegex: null,
    clientId: req.clientId ?? before.clientId,
    clientHost: req.clientHost ?? before.clientHost,
    classic: { protocolType: req.protocolType, protocols: req.protocols, sessionTimeoutMs: req.sessionTimeoutMs },
  };
  let bump = !existing || before.subscribedTopicNames.join("\u0000") !== topics.join("\u0000");
  group.updateMember(updated);
  const metadata = subscriptionMetadata(ctx, group);
  if (metadata.size !== group.subscriptionMetadata.size || [...metadata].some(([t, n]) => group.subscriptionMetadata.get(t) !== n)) bump = true;
  group.subscriptionMetadata = metadata;
  if (bump) group.groupEpoch++;
  if (group.groupEpoch > group.assignmentEpoch) computeTarget(ctx, group);
  if (!isReconciledTo(updated, group.assignmentEpoch)) {
    const reconciled = reconcile(updated, group.assignmentEpoch, group.targetOf(memberId), (k) => group.partitionEpoch(k), toSet(subscription.owned));
    if (reconciled !== updated) {
      updated = reconciled;
      group.updateMember(updated);
    }
  }
  if (updated.state === "UnrevokedPartitions") scheduleRebalanceTimeout(ctx, group, updated);
  else ctx.timers.cancel(timerKey.revoke(group.groupId, memberId));
  scheduleSession(ctx, group, memberId);
  ctx.timers.cancel(timerKey.classicRejoin(group.groupId, memberId));
  ctx.logger.info("classic member joined a consumer group", { group: group.groupId, member: memberId, epoch: updated.memberEpoch, state: updated.state });
  const answer: JoinGroupResponse = {
    errorCode: Err.NONE,
    generationId: updated.memberEpoch,
    protocolType: CONSUMER_PROTOCOL_TYPE,
    protocolName: firstProtocol.name,
    leader: "",
    memberId,
    members: [],
  };
  void persistConsumer(ctx, group).then((error) => respond(error === Err.NONE ? answer : joinError(memberId, error)));
}

/** The member a SyncGroup or Heartbeat names, or the error code to answer. */
function classicMember(group: ConsumerGroup, memberId: string, instanceId: string | null | undefined, generationId: number): ConsumerMember | number {
  if (instanceId && group.staticMembers.has(instanceId) && group.staticMembers.get(instanceId) !== memberId) return Err.FENCED_INSTANCE_ID;
  const member = group.member(memberId);
  if (!member || member.classic === null) return Err.UNKNOWN_MEMBER_ID;
  if (generationId !== member.memberEpoch) return Err.ILLEGAL_GENERATION;
  return member;
}

export function syncConsumerGroup(ctx: GroupContext, group: ConsumerGroup, req: SyncGroupRequest): Promise<SyncGroupResponse> {
  const member = classicMember(group, req.memberId, req.groupInstanceId, req.generationId);
  if (typeof member === "number") return Promise.resolve(syncError(member));
  if (req.protocolType != null && req.protocolType !== member.classic!.protocolType) return Promise.resolve(syncError(Err.INCONSISTENT_GROUP_PROTOCOL));
  if (req.protocolName != null && !member.classic!.protocols.some((p) => p.name === req.protocolName)) return Promise.resolve(syncError(Err.INCONSISTENT_GROUP_PROTOCOL));
  scheduleSession(ctx, group, member.memberId);
  const assignment = encodeAssignment(toPartitions(member.assigned));
  const protocolName = req.protocolName ?? member.classic!.protocols[0]?.name ?? null;
  // The member epoch and partitions it is told must be durable first (its JoinGroup already waited for them).
  return ctx.persist.flush(group.groupId).then((error) =>
    error === Err.NONE ? { errorCode: Err.NONE, protocolType: CONSUMER_PROTOCOL_TYPE, protocolName, assignment } : syncError(error),
  );
}

export function heartbeatConsumerGroup(ctx: GroupContext, group: ConsumerGroup, req: HeartbeatRequest): HeartbeatResponse {
  const member = classicMember(group, req.memberId, req.groupInstanceId, req.generationId);
  if (typeof member === "number") return { errorCode: member };
  scheduleSession(ctx, group, member.memberId);
  const waiting = [...group.targetOf(member.memberId)].some((k) => !member.assigned.has(k) && group.partitionEpoch(k) !== -1);
  const rejoin =
    member.memberEpoch < group.groupEpoch ||
    member.state === "UnrevokedPartitions" ||
    (member.state === "UnreleasedPartitions" && !waiting);
  if (rejoin) scheduleRejoinTimeout(ctx, group, member);
  return { errorCode: rejoin ? Err.REBALANCE_IN_PROGRESS : Err.NONE };
}

/**
 * A member told to rejoin that keeps heartbeating without rejoining would hold its partitions forever: it is
 * removed after its rebalance timeout (Kafka's consumer group join timeout). Started once, ended by its JoinGroup.
 */
function scheduleRejoinTimeout(ctx: GroupContext, group: ConsumerGroup, member: ConsumerMember): void {
  const key = timerKey.classicRejoin(group.groupId, member.memberId);
  if (ctx.timers.has(key)) return;
  ctx.timers.schedule(key, Math.max(member.rebalanceTimeoutMs, 0), () => {
    if (ctx.groups.get(group.groupId) !== group || !group.member(member.memberId)) return;
    fenceMember(ctx, group, member.memberId, "did not rejoin within its rebalance timeout");
    persistAfterRemoval(ctx, group);
  });
}

export function leaveConsumerGroup(ctx: GroupContext, group: ConsumerGroup, req: LeaveGroupRequest): LeaveGroupResponse {
  let left = false;
  const members = req.members.map(({ memberId, groupInstanceId }) => {
    const answer = (errorCode: number) => ({ memberId, groupInstanceId: groupInstanceId ?? null, errorCode });
    if (memberId !== "" && group.pendingClassicMembers.delete(memberId)) return answer(Err.NONE);
    const byInstance = groupInstanceId ? group.staticMembers.get(groupInstanceId) : undefined;
    if (memberId !== "" && byInstance !== undefined && byInstance !== memberId) return answer(Err.FENCED_INSTANCE_ID);
    const member = group.member(memberId === "" ? (byInstance ?? "") : memberId);
    if (!member || member.classic === null) return answer(Err.UNKNOWN_MEMBER_ID);
    fenceMember(ctx, group, member.memberId, "left (LeaveGroup)");
    left = true;
    return answer(Err.NONE);
  });
  if (left) persistAfterRemoval(ctx, group);
  return { errorCode: Err.NONE, members };
}
