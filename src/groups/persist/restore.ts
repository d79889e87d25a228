// Replayed group records back into live groups, when the coordinator loads the offsets log at start-up or,
// in cluster mode, a partition it now leads.
//
// Behavior (Kafka's GroupMetadataManager on load):
// - A classic group with members comes back Stable at its generation, with its protocol, leader, members
//   and their assignments: a member's Heartbeat, SyncGroup and OffsetCommit with that generation work as
//   before. Each member's session starts at the load, so members that do not come back are removed after
//   their session timeout and the group rebalances (or empties).
// - A KIP-848 group comes back with its group epoch, target assignment (and its epoch), and each member's
//   epoch, state, subscription and current assignment: a member heartbeating with its epoch keeps its
//   partitions. Sessions start at the load (group.consumer.session.timeout.ms); a member that was revoking
//   gets its rebalance timeout again. A classic-protocol member of a consumer group (online migration) comes
//   back with its protocols; its session is its own JoinGroup session timeout.

import type { GroupContext } from "../context.js";
import { ClassicGroup } from "../group.js";
import { ClassicMember } from "../member.js";
import { ConsumerGroup, toSet, type ConsumerMember } from "../consumer/group.js";
import { rescheduleHeartbeat } from "../classic/rebalance.js";
import { scheduleRebalanceTimeout, scheduleSession } from "../consumer/heartbeat.js";
import type { ClassicGroupValue, ConsumerGroupValue, ConsumerMemberValue } from "./records.js";
import type { LoadedGroup } from "./store.js";
import { checkpointOf } from "./checkpoint.js";

/** Puts the loaded groups into the context (replacing what is there) and starts their members' sessions. */
export function restoreGroups(ctx: GroupContext, loaded: Map<string, LoadedGroup>): void {
  for (const [groupId, g] of loaded) {
    if (g.consumer && g.members.size) restoreConsumer(ctx, groupId, g.consumer, g.members);
    else if (g.classic?.members.length) restoreClassic(ctx, groupId, g.classic);
  }
}

function restoreClassic(ctx: GroupContext, groupId: string, v: ClassicGroupValue): void {
  const group = new ClassicGroup(groupId, v.stateTimestamp);
  for (const m of v.members) {
    const member = new ClassicMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, m.protocolType, m.protocols);
    member.assignment = m.assignment;
    group.add(member);
  }
  group.protocolType = v.protocolType;
  group.generationId = v.generationId;
  group.protocolName = v.protocolName;
  group.leaderId = v.leaderId !== null && group.members.has(v.leaderId) ? v.leaderId : (group.members.keys().next().value ?? null);
  group.state = "Stable";
  ctx.groups.set(groupId, group);
  for (const member of group.members.values()) rescheduleHeartbeat(ctx, group, member);
  ctx.logger.info("restored a classic group", { group: groupId, generation: group.generationId, members: group.size });
}

function restoreConsumer(ctx: GroupContext, groupId: string, v: ConsumerGroupValue, members: Map<string, ConsumerMemberValue>): void {
  const group = new ConsumerGroup(groupId);
  group.groupEpoch = v.groupEpoch;
  group.assignmentEpoch = v.assignmentEpoch;
  group.subscriptionMetadata = new Map(v.subscriptionMetadata);
  for (const [memberId, m] of members) {
    const member: ConsumerMember = {
      memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assigned: toSet(m.assigned),
      pendingRevocation: toSet(m.pendingRevocation),
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex,
      serverAssignor: m.serverAssignor,
      clientId: m.clientId,
      clientHost: m.clientHost,
      classic: m.classic ?? null,
    };
    group.updateMember(member);
    group.target.set(memberId, toSet(m.target));
  }
  ctx.groups.set(groupId, group);
  ctx.persist.setDurable(groupId, checkpointOf(ctx, groupId)); // what a failed write goes back to
  for (const member of group.members.values()) {
    scheduleSession(ctx, group, member.memberId);
    if (member.state === "UnrevokedPartitions") scheduleRebalanceTimeout(ctx, group, member);
  }
  ctx.logger.info("restored a consumer group", { group: groupId, epoch: group.groupEpoch, members: group.size });
}
