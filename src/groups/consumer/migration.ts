// KIP-848 online migration between a classic group and a consumer group (Kafka 4.0's
// group.consumer.migration.policy, GroupMetadataManager.convertToConsumerGroup / convertToClassicGroup).
//
// Behavior:
// - Upgrade (policy bidirectional or upgrade): a ConsumerGroupHeartbeat joining a classic group that has
//   members, uses the "consumer" protocol type and is under the group size limit turns it into a consumer
//   group. Parked JoinGroup and SyncGroup requests get REBALANCE_IN_PROGRESS (they rejoin into the consumer
//   group). Every classic member stays, as a classic-protocol member: its epoch is the classic generation, its
//   subscription the topics of the selected protocol's metadata, its current assignment (and target) the
//   partitions of its last SyncGroup assignment, so nothing it holds is handed to anyone else until it gives
//   it up. MEMBER_ID_REQUIRED ids in flight are dropped (they rejoin without an id). The group epoch and
//   assignment epoch start at the generation; the joining member then bumps the group epoch as any join does.
// - Downgrade (policy bidirectional or downgrade): when a KIP-848 member leaves or is fenced and only
//   classic-protocol members remain, the group becomes a classic group at generation = group epoch, Stable
//   with each member's current partitions as its assignment, and rebalances at once (Kafka does the same);
//   members learn of it through their next Heartbeat (ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS) and rejoin.
// - The converted group is written with every record of the other kind tombstoned (persist/, replaceAll),
//   so a restart finds the group as it was after the conversion.

import { timerKey } from "../clock.js";
import { Err, type GroupContext } from "../context.js";
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment } from "../consumer-protocol.js";
import { ClassicGroup } from "../group.js";
import { ClassicMember } from "../member.js";
import { EMPTY_BYTES, tpKey } from "../types.js";
import { joinError, prepareRebalance, rescheduleHeartbeat, syncError } from "../classic/rebalance.js";
import { persistClassic, persistConsumer } from "../persist/snapshot.js";
import { ConsumerGroup, toPartitions, type ConsumerMember } from "./group.js";
import { subscriptionMetadata } from "./subscription.js";

export function upgradeAllowed(ctx: GroupContext): boolean {
  const p = ctx.config.consumerMigrationPolicy;
  return p === "bidirectional" || p === "upgrade";
}

export function downgradeAllowed(ctx: GroupContext): boolean {
  const p = ctx.config.consumerMigrationPolicy;
  return p === "bidirectional" || p === "downgrade";
}

/** Why a classic group with members cannot be upgraded, or null when it can. */
export function upgradeRefusal(ctx: GroupContext, group: ClassicGroup): string | null {
  if (!upgradeAllowed(ctx)) return "online upgrade is disabled (consumerMigrationPolicy)";
  if (group.is("Dead")) return "the group is dead";
  if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return "the group does not use the consumer protocol type";
  if (group.size + 1 > ctx.config.maxGroupSize) return "the group is at its maximum size";
  return null;
}

/** Replaces the classic group by a consumer group holding its members (see Behavior). Sessions are the caller's. */
export function upgradeToConsumer(ctx: GroupContext, classic: ClassicGroup): ConsumerGroup {
  const groupId = classic.groupId;
  ctx.timers.cancelPrefix(timerKey.group(groupId));
  const group = new ConsumerGroup(groupId);
  group.groupEpoch = classic.generationId;
  group.assignmentEpoch = classic.generationId;
  const taken = new Set<string>();
  for (const m of classic.members.values()) {
    m.completeJoin(joinError(m.memberId, Err.REBALANCE_IN_PROGRESS));
    m.completeSync(syncError(Err.REBALANCE_IN_PROGRESS));
    const protocol = classic.protocolName ?? m.protocols[0]?.name ?? "";
    const metadata = m.protocols.find((p) => p.name === protocol)?.metadata ?? m.protocols[0]?.metadata ?? EMPTY_BYTES;
    // A partition two members claim (cannot happen within one generation) is kept by the first only.
    const assigned = new Set<string>();
    for (const tp of decodeAssignment(m.assignment) ?? []) {
      const key = tpKey(tp.topic, tp.partition);
      if (!taken.has(key)) assigned.add(key), taken.add(key);
    }
    const member: ConsumerMember = {
      memberId: m.memberId,
      instanceId: m.groupInstanceId,
      rackId: null,
      memberEpoch: classic.generationId,
      previousMemberEpoch: classic.generationId,
      state: "Stable",
      assigned,
      pendingRevocation: new Set(),
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      subscribedTopicNames: [...new Set(decodeSubscription(metadata) ?? [])].sort(),
      subscribedTopicRegex: null,
      serverAssignor: null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      classic: { protocolType: m.protocolType, protocols: m.protocols, sessionTimeoutMs: m.sessionTimeoutMs },
    };
    group.updateMember(member);
    group.target.set(member.memberId, new Set(assigned));
  }
  group.subscriptionMetadata = subscriptionMetadata(ctx, group);
  ctx.groups.set(groupId, group);
  ctx.logger.info("classic group upgraded to a consumer group (online migration)", { group: groupId, generation: classic.generationId, members: group.size });
  return group;
}

/**
 * After a KIP-848 member left or was fenced: turns the group back into a classic group if only classic
 * members remain and the policy allows it. Returns the classic group (already written), or undefined.
 */
export function maybeDowngrade(ctx: GroupContext, group: ConsumerGroup): ClassicGroup | undefined {
  if (ctx.groups.get(group.groupId) !== group || group.size === 0 || !group.allClassicExcept(null)) return undefined;
  if (!downgradeAllowed(ctx) || group.size > ctx.config.maxGroupSize) return undefined;
  const groupId = group.groupId;
  ctx.timers.cancelPrefix(timerKey.group(groupId));
  const classic = new ClassicGroup(groupId, ctx.clock.now());
  for (const m of group.members.values()) {
    const info = m.classic!;
    const member = new ClassicMember(m.memberId, m.instanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, info.sessionTimeoutMs, info.protocolType, info.protocols);
    member.assignment = encodeAssignment(toPartitions(m.assigned));
    classic.add(member);
  }
  classic.protocolType = CONSUMER_PROTOCOL_TYPE;
  classic.generationId = group.groupEpoch;
  classic.protocolName = classic.selectProtocol();
  classic.state = "Stable";
  ctx.groups.set(groupId, classic);
  for (const m of classic.members.values()) rescheduleHeartbeat(ctx, classic, m);
  ctx.logger.info("consumer group downgraded to a classic group (online migration)", { group: groupId, generation: classic.generationId, members: classic.size });
  void persistClassic(ctx, classic);
  prepareRebalance(ctx, classic, `group ${groupId} downgraded from consumer to classic`);
  return classic;
}

/** Writes the group after a member was removed, downgrading it first when it should be. */
export function persistAfterRemoval(ctx: GroupContext, group: ConsumerGroup): void {
  if (maybeDowngrade(ctx, group)) return;
  void persistConsumer(ctx, group);
}
