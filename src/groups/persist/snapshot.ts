// A live group as the records that describe it (records.ts), written through the GroupStore in the context.
// Classic groups are one record (Kafka's GroupMetadataValue has the same shape); KIP-848 groups are one
// record for the group's epochs plus one per member, so a heartbeat that moves one member writes one record.
//
// When they are written (the callers):
// - classic: the leader's SyncGroup (before anyone gets the assignment), a static member replaced in place,
//   the group becoming Empty (a tombstone), the group deleted (a tombstone);
// - KIP-848: after every ConsumerGroupHeartbeat and every member removed by a timer (only what changed is
//   written); an empty group is tombstoned, its committed offsets stay. Each write carries the group's
//   checkpoint, so a write that fails puts the group back as the log holds it (store.ts); so does each
//   classic write but a tombstone (an online upgrade queued behind it goes back to it).
// WebSocket (managed) groups are not written: their members hold live connections and rejoin anyway.

import type { GroupContext } from "../context.js";
import type { ClassicGroup } from "../group.js";
import { toPartitions, type ConsumerGroup } from "../consumer/group.js";
import { encodeClassicGroup, encodeConsumerGroup, encodeConsumerMember, RecordType } from "./records.js";
import type { GroupWrite } from "./store.js";
import { checkpointOf } from "./checkpoint.js";

export function classicWrites(group: ClassicGroup): GroupWrite[] {
  const key = { type: RecordType.ClassicGroup, group: group.groupId } as const;
  if (group.size === 0 || group.is("Dead")) return [{ key, value: null }];
  const value = encodeClassicGroup({
    protocolType: group.protocolType,
    generationId: group.generationId,
    protocolName: group.protocolName,
    leaderId: group.leaderId,
    stateTimestamp: group.stateTimestamp,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      protocolType: m.protocolType,
      protocols: m.protocols,
      assignment: m.assignment,
    })),
  });
  return [{ key, value }];
}

export function consumerWrites(group: ConsumerGroup): GroupWrite[] {
  if (group.size === 0) return [];
  const groupId = group.groupId;
  const out: GroupWrite[] = [
    {
      key: { type: RecordType.ConsumerGroup, group: groupId },
      value: encodeConsumerGroup({
        groupEpoch: group.groupEpoch,
        assignmentEpoch: group.assignmentEpoch,
        subscriptionMetadata: [...group.subscriptionMetadata].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      }),
    },
  ];
  for (const m of group.members.values()) {
    out.push({
      key: { type: RecordType.ConsumerMember, group: groupId, member: m.memberId },
      value: encodeConsumerMember({
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        previousMemberEpoch: m.previousMemberEpoch,
        state: m.state,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        serverAssignor: m.serverAssignor,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assigned: toPartitions(m.assigned),
        pendingRevocation: toPartitions(m.pendingRevocation),
        target: toPartitions(group.targetOf(m.memberId)),
        classic: m.classic,
      }),
    });
  }
  return out;
}

/**
 * Writes a classic group as it is now (every other record of the group is tombstoned). Once written, the
 * group is what a later failed write goes back to: an online upgrade queued behind this write, whose own
 * write fails, puts this classic group back. A tombstone carries none (nothing to go back to, and nothing
 * kept for a deleted group).
 */
export function persistClassic(ctx: GroupContext, group: ClassicGroup): Promise<number> {
  const writes = classicWrites(group);
  const tombstone = writes.every((w) => w.value === null);
  return ctx.persist.write(group.groupId, writes, true, tombstone ? undefined : () => checkpointOf(ctx, group.groupId));
}

/**
 * Writes what changed in a KIP-848 group (members gone and an empty group are tombstoned). If the write
 * fails, the group goes back to its last written state (checkpoint.ts).
 */
export function persistConsumer(ctx: GroupContext, group: ConsumerGroup): Promise<number> {
  return ctx.persist.write(group.groupId, consumerWrites(group), true, () => checkpointOf(ctx, group.groupId));
}
