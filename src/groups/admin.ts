// Group administration: list, describe (with lag), delete a group or some of its offsets, reset offsets.
//
// Behavior:
// - listGroups: every known group (groups that only have committed offsets are Empty classic groups, as in
//   Kafka), optionally filtered by state (case-insensitive).
// - describeGroup: an unknown group is described as Dead with nothing in it (Kafka does the same). As in
//   Kafka's DescribeGroups, a classic group's protocol and its members' metadata and assignment bytes are
//   given only when Stable; `partitions` decodes the assignment for protocol type "consumer". Managed members
//   get consumer-protocol bytes built from their subscription and owned partitions. `offsets` covers every
//   committed or assigned partition; lag = log end − committed, null if either is unknown.
// - deleteGroups: unknown → GROUP_ID_NOT_FOUND; with members → NON_EMPTY_GROUP; else the group goes Dead, is
//   forgotten, and its metadata records and offsets are tombstoned.
// - deleteGroupOffsets: unknown group → GROUP_ID_NOT_FOUND; with members → NON_EMPTY_GROUP (Kafka would
//   allow partitions of topics the group does not subscribe to: not done here).
// - resetOffsets: refused with NON_EMPTY_GROUP while the group has members (also if one joins while the
//   offsets are being looked up); a timestamp past the last record resets to the log end (as
//   kafka-consumer-groups does); creates the group if needed, like a standalone commit.

import { InvalidArgumentError } from "../errors/index.js";
import { timerKey } from "./clock.js";
import { Err, type AnyGroup, type GroupContext } from "./context.js";
import { isOffsetStart, type StartFrom } from "../protocol/start-from.js";
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, encodeAssignment, encodeSubscription } from "./consumer-protocol.js";
import { ClassicGroup } from "./group.js";
import { toPartitions, type ConsumerGroup } from "./consumer/group.js";
import { appendErrorCode } from "./offsets.js";
import { compareTp, EMPTY_BYTES, tpKey, type GroupState, type TopicPartition } from "./types.js";

export interface GroupOverview {
  groupId: string;
  protocolType: string;
  state: GroupState;
  type: "classic" | "managed" | "consumer";
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Uint8Array;
  assignment: Uint8Array;
  /** The member's partitions, when known (decoded consumer-protocol assignment, or a managed member's). */
  partitions: TopicPartition[] | null;
}

export interface PartitionLag extends TopicPartition {
  /** -1 when nothing is committed. */
  committedOffset: bigint;
  metadata: string;
  logEndOffset: bigint | null;
  lag: bigint | null;
  /** The member the partition is assigned to, if any. */
  memberId: string | null;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  type: "classic" | "managed" | "consumer";
  protocolType: string;
  protocol: string;
  generationId: number;
  leader: string | null;
  members: GroupMemberDescription[];
  offsets: PartitionLag[];
}

export function listGroups(ctx: GroupContext, filter: { states?: string[] } = {}): GroupOverview[] {
  const states = filter.states?.length ? new Set(filter.states.map((s) => s.toLowerCase())) : undefined;
  const out: GroupOverview[] = [];
  for (const g of ctx.groups.values()) {
    const state = g.state;
    if (states && !states.has(state.toLowerCase())) continue;
    out.push({ groupId: g.groupId, protocolType: protocolTypeOf(g), state, type: g.kind });
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

function protocolTypeOf(g: AnyGroup): string {
  return g.kind === "classic" ? (g.protocolType ?? "") : CONSUMER_PROTOCOL_TYPE;
}

export async function describeGroup(ctx: GroupContext, groupId: string): Promise<GroupDescription> {
  const g = ctx.groups.get(groupId);
  if (!g) return { groupId, state: "Dead", type: "classic", protocolType: "", protocol: "", generationId: -1, leader: null, members: [], offsets: [] };
  const members = g.kind === "classic" ? describeClassicMembers(g) : g.kind === "managed" ? describeManagedMembers(g) : describeConsumerMembers(g);
  const base = { groupId, state: g.state, type: g.kind, protocolType: protocolTypeOf(g), members };
  const described =
    g.kind === "classic"
      ? { ...base, protocol: g.is("Stable") ? (g.protocolName ?? "") : "", generationId: g.generationId, leader: g.leaderId }
      : g.kind === "managed"
        ? { ...base, protocol: g.assignor, generationId: g.generation, leader: null }
        : { ...base, protocol: g.preferredAssignor(), generationId: g.groupEpoch, leader: null };
  return { ...described, offsets: await lagOf(ctx, groupId, members) };
}

function describeClassicMembers(g: ClassicGroup): GroupMemberDescription[] {
  const stable = g.is("Stable");
  return [...g.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    metadata: stable ? m.metadata(g.protocolName!) : EMPTY_BYTES,
    assignment: stable ? m.assignment : EMPTY_BYTES,
    partitions: stable && g.protocolType === CONSUMER_PROTOCOL_TYPE ? (decodeAssignment(m.assignment) ?? null) : null,
  }));
}

function describeManagedMembers(g: Extract<AnyGroup, { kind: "managed" }>): GroupMemberDescription[] {
  return [...g.members.values()].map((m) => {
    const partitions = g.ownedBy(m);
    return {
      memberId: m.memberId,
      groupInstanceId: null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: encodeSubscription(m.topics),
      assignment: encodeAssignment(partitions),
      partitions,
    };
  });
}

/** KIP-848 members as DescribeGroups shows them (Kafka 4 does the same): consumer-protocol bytes. */
function describeConsumerMembers(g: ConsumerGroup): GroupMemberDescription[] {
  return [...g.members.values()].map((m) => {
    const partitions = toPartitions(m.assigned);
    return {
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: encodeSubscription(m.subscribedTopicNames),
      assignment: encodeAssignment(partitions),
      partitions,
    };
  });
}

async function lagOf(ctx: GroupContext, groupId: string, members: GroupMemberDescription[]): Promise<PartitionLag[]> {
  const rows = new Map<string, PartitionLag>();
  for (const o of ctx.offsets.list(groupId)) {
    rows.set(tpKey(o.topic, o.partition), { topic: o.topic, partition: o.partition, committedOffset: o.offset, metadata: o.metadata, logEndOffset: null, lag: null, memberId: null });
  }
  for (const m of members) {
    for (const tp of m.partitions ?? []) {
      const key = tpKey(tp.topic, tp.partition);
      const row = rows.get(key) ?? { ...tp, committedOffset: -1n, metadata: "", logEndOffset: null, lag: null, memberId: null };
      row.memberId = m.memberId;
      rows.set(key, row);
    }
  }
  const out = [...rows.values()].sort(compareTp);
  await Promise.all(
    out.map(async (row) => {
      const end = await ctx.hooks.logEndOffset?.(row.topic, row.partition);
      if (end === undefined) return;
      row.logEndOffset = end;
      if (row.committedOffset >= 0n) row.lag = end > row.committedOffset ? end - row.committedOffset : 0n;
    }),
  );
  return out;
}

function hasMembers(g: AnyGroup | undefined): boolean {
  if (!g) return false;
  return g.kind === "classic" ? g.size > 0 || g.pendingMembers.size > 0 || !(g.is("Empty") || g.is("Dead")) : g.size > 0;
}

export async function deleteGroups(ctx: GroupContext, groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
  return Promise.all(
    groupIds.map(async (groupId) => {
      const g = ctx.groups.get(groupId);
      if (!g || (g.kind === "classic" && g.is("Dead"))) return { groupId, errorCode: Err.GROUP_ID_NOT_FOUND };
      if (hasMembers(g)) return { groupId, errorCode: Err.NON_EMPTY_GROUP };
      if (g.kind === "classic") g.transitionTo("Dead", ctx.clock.now());
      ctx.groups.delete(groupId);
      ctx.timers.cancelPrefix(timerKey.group(groupId));
      try {
        const written = await ctx.persist.remove(groupId);
        if (written !== Err.NONE) return { groupId, errorCode: written };
        await ctx.offsets.delete(groupId);
        return { groupId, errorCode: Err.NONE };
      } catch (error) {
        ctx.logger.warn("could not delete a group's offsets", { group: groupId, error });
        return { groupId, errorCode: appendErrorCode(error) };
      }
    }),
  );
}

export async function deleteGroupOffsets(
  ctx: GroupContext,
  groupId: string,
  partitions: TopicPartition[],
): Promise<{ errorCode: number; partitions: Array<TopicPartition & { errorCode: number }> }> {
  const g = ctx.groups.get(groupId);
  if (!g || (g.kind === "classic" && g.is("Dead"))) return { errorCode: Err.GROUP_ID_NOT_FOUND, partitions: [] };
  if (hasMembers(g)) return { errorCode: Err.NON_EMPTY_GROUP, partitions: [] };
  let errorCode: number = Err.NONE;
  try {
    await ctx.offsets.delete(groupId, partitions);
  } catch (error) {
    errorCode = appendErrorCode(error);
  }
  return { errorCode: Err.NONE, partitions: partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, errorCode })) };
}

/** Where to reset to: an explicit offset is committed as given; the others are resolved by the broker. */
export type ResetTarget = StartFrom;

export interface ResetResult {
  errorCode: number;
  partitions: Array<TopicPartition & { offset: bigint; errorCode: number }>;
}

export async function resetOffsets(ctx: GroupContext, groupId: string, topic: string, to: ResetTarget, partitions?: number[]): Promise<ResetResult> {
  if (hasMembers(ctx.groups.get(groupId))) return { errorCode: Err.NON_EMPTY_GROUP, partitions: [] };
  if (!isOffsetStart(to) && !ctx.hooks.resolveStart) throw new InvalidArgumentError("resetOffsets needs the resolveStart hook");
  const list = partitions ?? Array.from({ length: ctx.hooks.partitionsFor?.(topic) ?? 0 }, (_, p) => p);
  if (!list.length) return { errorCode: Err.UNKNOWN_TOPIC_OR_PARTITION, partitions: [] };
  let offsets: bigint[];
  try {
    offsets = await Promise.all(list.map((p) => resolve(ctx, topic, p, to)));
  } catch (error) {
    ctx.logger.warn("could not resolve offsets for a reset", { group: groupId, topic, error });
    return { errorCode: appendErrorCode(error), partitions: [] };
  }
  // The lookups took time: a member may have joined meanwhile.
  let g = ctx.groups.get(groupId);
  if (hasMembers(g)) return { errorCode: Err.NON_EMPTY_GROUP, partitions: [] };
  if (!g) ctx.groups.set(groupId, (g = new ClassicGroup(groupId, ctx.clock.now())));
  const entries = list.map((partition, i) => ({ topic, partition, offset: offsets[i]! }));
  let errorCode: number = Err.NONE;
  try {
    await ctx.offsets.commit(groupId, entries, ctx.clock.now());
  } catch (error) {
    errorCode = appendErrorCode(error);
  }
  return { errorCode, partitions: entries.map((e) => ({ ...e, errorCode })) };
}

async function resolve(ctx: GroupContext, topic: string, partition: number, to: ResetTarget): Promise<bigint> {
  if (isOffsetStart(to)) return to.offset;
  return ctx.hooks.resolveStart!(topic, partition, to);
}
