// Managed membership: the API the WebSocket front end calls for a browser that joins a group. The server
// runs the assignor (range, roundrobin or sticky) and pushes assignments; see managed-group.ts for how
// partitions move.
//
// Behavior of joinManaged (errors are thrown as KafkaProtocolError; toKafkaCode gives the code):
// - groupId "" → INVALID_GROUP_ID; session timeout outside [min, max] → INVALID_SESSION_TIMEOUT; unknown
//   assignor name → INVALID_REQUEST; no partitionsFor hook → COORDINATOR_NOT_AVAILABLE (cannot assign).
// - A group is all Kafka-protocol members or all managed members: a classic group with members (or with a
//   MEMBER_ID_REQUIRED id outstanding) → INCONSISTENT_GROUP_PROTOCOL, and so does a managed group whose
//   members use another assignor. An empty classic group (e.g. one that only has committed offsets)
//   becomes managed; the offsets stay.
// - The group at maxGroupSize → GROUP_MAX_SIZE_REACHED.
// Behavior of the handle:
// - heartbeat(): NONE and a fresh session (and a rebalance if a subscribed topic's partition count
//   changed); UNKNOWN_MEMBER_ID once the member is gone.
// - commit(): the member's session restarts; each partition must be one the member owns (being revoked
//   included: that is when it commits), else ILLEGAL_GENERATION for that partition; then as OffsetCommit.
//   A member that is gone gets UNKNOWN_MEMBER_ID everywhere.
// - leave(): partitions are released at once (commit first). subscribe(): new topics, rebalance.

import { KafkaProtocolError } from "../errors/index.js";
import { timerKey } from "./clock.js";
import { isAssignorName, type AssignorName } from "./assignors.js";
import { Err, newMemberId, sessionTimeoutValid, type GroupContext } from "./context.js";
import { ManagedGroup, ManagedMember, type ManagedCallbacks } from "./managed-group.js";
import { writeOffsets } from "./offsets.js";
import { tpKey, type TopicPartition } from "./types.js";

export interface ManagedJoinOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs: number;
  /** How long a revocation may stay unacknowledged. Default: the coordinator's managedRebalanceTimeoutMs. */
  rebalanceTimeoutMs?: number;
  /** Default "sticky" (fewest moves). Every member of a group must name the same one. */
  assignor?: AssignorName;
  clientId?: string;
  clientHost?: string;
}

export interface ManagedCommit extends TopicPartition {
  offset: bigint;
  metadata?: string;
  leaderEpoch?: number;
}

export interface ManagedCommitResult extends TopicPartition {
  errorCode: number;
}

export interface ManagedMemberHandle {
  readonly groupId: string;
  readonly memberId: string;
  /** The group's current generation (each new target assignment is one). */
  readonly generation: number;
  /** Partitions the member owns now (being revoked included). */
  assignment(): TopicPartition[];
  heartbeat(): number;
  commit(offsets: ManagedCommit[]): Promise<ManagedCommitResult[]>;
  subscribe(topics: string[]): number;
  leave(): void;
}

export function joinManaged(ctx: GroupContext, options: ManagedJoinOptions, callbacks: ManagedCallbacks): ManagedMemberHandle {
  const { groupId } = options;
  const assignor = options.assignor ?? "sticky";
  if (!groupId) throw new KafkaProtocolError("INVALID_GROUP_ID", "group id must not be empty");
  if (!sessionTimeoutValid(ctx, options.sessionTimeoutMs)) {
    throw new KafkaProtocolError("INVALID_SESSION_TIMEOUT", `session timeout must be in [${ctx.config.minSessionTimeoutMs}, ${ctx.config.maxSessionTimeoutMs}] ms`);
  }
  if (!isAssignorName(assignor)) throw new KafkaProtocolError("INVALID_REQUEST", `unknown assignor ${String(assignor)}`);
  if (!ctx.hooks.partitionsFor) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", "managed groups need the partitionsFor hook");
  let group = ctx.groups.get(groupId);
  if (group?.kind === "consumer") {
    if (group.size > 0) throw new KafkaProtocolError("INCONSISTENT_GROUP_PROTOCOL", `group ${groupId} has KIP-848 consumer members; it cannot take managed members`);
    ctx.groups.delete(groupId);
    ctx.timers.cancelPrefix(timerKey.group(groupId));
    group = undefined;
  }
  if (group?.kind === "classic") {
    if (group.size > 0 || group.pendingMembers.size > 0) {
      throw new KafkaProtocolError("INCONSISTENT_GROUP_PROTOCOL", `group ${groupId} has Kafka-protocol members; it cannot take managed members`);
    }
    ctx.groups.delete(groupId);
    ctx.timers.cancelPrefix(timerKey.group(groupId));
    group = undefined;
  }
  if (group && group.size > 0 && group.assignor !== assignor) {
    throw new KafkaProtocolError("INCONSISTENT_GROUP_PROTOCOL", `group ${groupId} uses the ${group.assignor} assignor, not ${assignor}`);
  }
  if (group && group.size >= ctx.config.maxGroupSize) throw new KafkaProtocolError("GROUP_MAX_SIZE_REACHED", `group ${groupId} is full`);
  if (!group) {
    group = new ManagedGroup(groupId, assignor, ctx);
    ctx.groups.set(groupId, group);
  }
  group.assignor = assignor;
  const member = new ManagedMember(
    newMemberId(options.clientId ?? "managed"),
    options.clientId ?? "",
    options.clientHost ?? "",
    [...new Set(options.topics)],
    options.sessionTimeoutMs,
    options.rebalanceTimeoutMs ?? ctx.config.managedRebalanceTimeoutMs,
    callbacks,
  );
  group.add(member);
  return new Handle(ctx, group, member);
}

class Handle implements ManagedMemberHandle {
  constructor(private readonly ctx: GroupContext, private readonly group: ManagedGroup, private readonly member: ManagedMember) {}

  get groupId(): string {
    return this.group.groupId;
  }

  get memberId(): string {
    return this.member.memberId;
  }

  get generation(): number {
    return this.group.generation;
  }

  assignment(): TopicPartition[] {
    return this.group.ownedBy(this.member);
  }

  heartbeat(): number {
    if (!this.group.isMember(this.member)) return Err.UNKNOWN_MEMBER_ID;
    this.group.touch(this.member);
    this.group.refreshTopics();
    return Err.NONE;
  }

  async commit(offsets: ManagedCommit[]): Promise<ManagedCommitResult[]> {
    const alive = this.group.isMember(this.member);
    if (!alive) return offsets.map(({ topic, partition }) => ({ topic, partition, errorCode: Err.UNKNOWN_MEMBER_ID }));
    this.group.touch(this.member);
    const topics = new Map<string, ManagedCommit[]>();
    for (const o of offsets) {
      let list = topics.get(o.topic);
      if (!list) topics.set(o.topic, (list = []));
      list.push(o);
    }
    const request = {
      groupId: this.group.groupId,
      topics: [...topics].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, committedMetadata: o.metadata })),
      })),
    };
    const response = await writeOffsets(this.ctx, request, (topic, partition) =>
      this.member.owned.has(tpKey(topic, partition)) ? Err.NONE : Err.ILLEGAL_GENERATION,
    );
    return response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
  }

  subscribe(topics: string[]): number {
    if (!this.group.isMember(this.member)) return Err.UNKNOWN_MEMBER_ID;
    this.group.touch(this.member);
    this.group.subscribe(this.member, topics);
    return Err.NONE;
  }

  leave(): void {
    this.group.remove(this.member);
  }
}
