// OffsetCommit (8) and OffsetFetch (9).
//
// Behavior, OffsetCommit (OffsetMetadataManager.commitOffset + ClassicGroup.validateOffsetCommit, Kafka 3.7+):
// - Unknown group: generationId < 0 creates an Empty ("simple") group and stores; otherwise every partition
//   gets ILLEGAL_GENERATION (what Kafka answers below OffsetCommit v9; v9+ would say GROUP_ID_NOT_FOUND).
// - Dead → COORDINATOR_NOT_AVAILABLE.
// - generationId < 0 and the group is Empty: stored, whatever the member id (admin tools, assign() users).
// - generationId ≥ 0, or a member id, or an instance id: unknown member → UNKNOWN_MEMBER_ID, generation ≠
//   the group's → ILLEGAL_GENERATION. Neither, in a group with members → UNKNOWN_MEMBER_ID.
// - A valid member while CompletingRebalance → REBALANCE_IN_PROGRESS (it has the new generation but not its
//   assignment). In Stable and PreparingRebalance the commit is stored (members commit before they rejoin)
//   and restarts the member's session.
// - A managed group with members accepts commits only through its members' handles: UNKNOWN_MEMBER_ID here.
// - A KIP-848 consumer group (ConsumerGroup.validateOffsetCommit): epoch < 0 while it has no members:
//   stored. Otherwise an unknown member → UNKNOWN_MEMBER_ID, OffsetCommit below v9 → UNSUPPORTED_VERSION,
//   an epoch other than the member's → STALE_MEMBER_EPOCH (the client refreshes its epoch and retries).
//   A classic-protocol member in it (online migration) commits at any version with its generation (its
//   member epoch): another → ILLEGAL_GENERATION.
// - Per partition: metadata longer than offsetMetadataMaxBytes → OFFSET_METADATA_TOO_LARGE; with a
//   partitionsFor hook, an unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION (Kafka checks that in
//   KafkaApis); the rest is appended in one batch, and an append failure is mapped as Kafka maps it
//   (maybeConvertOffsetCommitError).
// Behavior, OffsetFetch: answered from the table whatever the group's state (it may only use Kafka for
// storage). Listed partitions without an offset: offset -1, leader epoch -1, metadata "", NONE. topics null:
// every committed offset of the group. An unknown group: the same, with no offsets. OffsetFetch v9 on a
// KIP-848 group with a member id or an epoch ≥ 0: unknown member → UNKNOWN_MEMBER_ID, another epoch →
// STALE_MEMBER_EPOCH (group-level errors).

import { toKafkaCode } from "../errors/index.js";
import { ClassicGroup } from "./group.js";
import { Err, type GroupContext } from "./context.js";
import { rescheduleHeartbeat } from "./classic/rebalance.js";
import type { OffsetEntry } from "./offset-store.js";
import type { OffsetCommitRequest, OffsetCommitResponse, OffsetFetchPartition, OffsetFetchRequest, OffsetFetchResponse } from "./types.js";

export async function commitOffsets(ctx: GroupContext, req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
  const error = validateCommit(ctx, req);
  if (error !== Err.NONE) return everyPartition(req, error);
  return writeOffsets(ctx, req, () => Err.NONE);
}

export function validateCommit(ctx: GroupContext, req: OffsetCommitRequest): number {
  let group = ctx.groups.get(req.groupId);
  if (!group) {
    if (req.generationId >= 0) return Err.ILLEGAL_GENERATION;
    group = new ClassicGroup(req.groupId, ctx.clock.now());
    ctx.groups.set(req.groupId, group);
    ctx.logger.info("created a simple group through a standalone offset commit", { group: req.groupId });
  }
  if (group.kind === "managed") return group.size === 0 && req.generationId < 0 ? Err.NONE : Err.UNKNOWN_MEMBER_ID;
  if (group.kind === "consumer") {
    if (req.generationId < 0 && group.size === 0) return Err.NONE;
    const member = group.member(req.memberId);
    if (!member) return Err.UNKNOWN_MEMBER_ID;
    // A classic-protocol member (online migration) commits with its generation, at any version (Kafka 4.0).
    if (member.classic !== null) return req.generationId === member.memberEpoch ? Err.NONE : Err.ILLEGAL_GENERATION;
    if (req.apiVersion !== undefined && req.apiVersion < 9) return Err.UNSUPPORTED_VERSION;
    return req.generationId === member.memberEpoch ? Err.NONE : Err.STALE_MEMBER_EPOCH;
  }
  if (group.is("Dead")) return Err.COORDINATOR_NOT_AVAILABLE;
  if (req.generationId < 0 && group.is("Empty")) return Err.NONE;
  if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId) {
    if (group.isFencedInstance(req.groupInstanceId, req.memberId)) return Err.FENCED_INSTANCE_ID;
    const member = group.member(req.memberId);
    if (!member) return Err.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return Err.ILLEGAL_GENERATION;
    if (group.is("CompletingRebalance")) return Err.REBALANCE_IN_PROGRESS;
    if (group.is("Stable") || group.is("PreparingRebalance")) rescheduleHeartbeat(ctx, group, member);
    return Err.NONE;
  }
  return group.is("Empty") ? Err.NONE : Err.UNKNOWN_MEMBER_ID;
}

/**
 * Stores the request's offsets after the per-partition checks (`check` adds the caller's own, e.g. the
 * managed members' ownership) and answers every partition.
 */
export async function writeOffsets(
  ctx: GroupContext,
  req: Pick<OffsetCommitRequest, "groupId" | "topics">,
  check: (topic: string, partition: number) => number,
): Promise<OffsetCommitResponse> {
  const entries: OffsetEntry[] = [];
  const response: OffsetCommitResponse = { topics: [] };
  const pending: Array<{ errorCode: number }> = [];
  const partitionsFor = ctx.hooks.partitionsFor;
  for (const topic of req.topics) {
    const out: OffsetCommitResponse["topics"][number] = { name: topic.name, partitions: [] };
    response.topics.push(out);
    const count = partitionsFor ? partitionsFor(topic.name) : Number.POSITIVE_INFINITY;
    for (const p of topic.partitions) {
      const metadata = p.committedMetadata ?? "";
      let errorCode = check(topic.name, p.partitionIndex);
      if (errorCode === Err.NONE && metadata.length > ctx.config.offsetMetadataMaxBytes) errorCode = Err.OFFSET_METADATA_TOO_LARGE;
      if (errorCode === Err.NONE && !(Number.isInteger(p.partitionIndex) && p.partitionIndex >= 0 && p.partitionIndex < count)) errorCode = Err.UNKNOWN_TOPIC_OR_PARTITION;
      const slot = { partitionIndex: p.partitionIndex, errorCode };
      out.partitions.push(slot);
      if (errorCode !== Err.NONE) continue;
      entries.push({ topic: topic.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata });
      pending.push(slot);
    }
  }
  try {
    // A failed write is logged by the store, once per group and episode (offset-store.ts).
    await ctx.offsets.commit(req.groupId, entries, ctx.clock.now());
  } catch (error) {
    const code = appendErrorCode(error);
    for (const slot of pending) slot.errorCode = code;
  }
  return response;
}

/** Kafka's maybeConvertOffsetCommitError: storage-side errors as a committing client understands them. */
export function appendErrorCode(error: unknown): number {
  const code = toKafkaCode(error);
  switch (code) {
    case Err.UNKNOWN_TOPIC_OR_PARTITION:
    case Err.NOT_ENOUGH_REPLICAS:
    case Err.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return Err.COORDINATOR_NOT_AVAILABLE;
    case Err.NOT_LEADER_OR_FOLLOWER:
    case Err.KAFKA_STORAGE_ERROR:
      return Err.NOT_COORDINATOR;
    case Err.MESSAGE_TOO_LARGE:
    case Err.RECORD_LIST_TOO_LARGE:
    case Err.INVALID_FETCH_SIZE:
      return Err.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return code;
  }
}

function everyPartition(req: Pick<OffsetCommitRequest, "topics">, errorCode: number): OffsetCommitResponse {
  return { topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
}

export function fetchOffsets(ctx: GroupContext, req: OffsetFetchRequest): OffsetFetchResponse {
  const group = ctx.groups.get(req.groupId);
  if (group?.kind === "consumer" && ((req.memberId != null && req.memberId !== "") || (req.memberEpoch ?? -1) >= 0)) {
    const member = req.memberId != null ? group.member(req.memberId) : undefined;
    if (!member) return { errorCode: Err.UNKNOWN_MEMBER_ID, topics: [] };
    if (member.memberEpoch !== req.memberEpoch) return { errorCode: Err.STALE_MEMBER_EPOCH, topics: [] };
  }
  const stored = (topic: string, partition: number): OffsetFetchPartition => {
    const o = ctx.offsets.get(req.groupId, topic, partition);
    return o
      ? { partitionIndex: partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: Err.NONE }
      : { partitionIndex: partition, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: Err.NONE };
  };
  if (req.topics !== null) {
    return { errorCode: Err.NONE, topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => stored(t.name, p)) })) };
  }
  const byTopic = new Map<string, OffsetFetchPartition[]>();
  for (const o of ctx.offsets.list(req.groupId)) {
    let list = byTopic.get(o.topic);
    if (!list) byTopic.set(o.topic, (list = []));
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: Err.NONE });
  }
  return { errorCode: Err.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
