// A KIP-848 consumer group (ConsumerGroupHeartbeat): the coordinator owns the assignment. The group keeps
// three epochs apart, as Kafka's ConsumerGroup does:
//   group epoch       bumped whenever membership, a subscription or a subscribed topic's partition count changes;
//   assignment epoch  the group epoch the current target assignment was computed at;
//   member epoch      per member: the target epoch it has reconciled to (a member only moves to a new epoch
//                     once it has given up every partition the new target takes away from it).
// State (Kafka's ConsumerGroupState): Empty (no members), Assigning (group epoch > assignment epoch: the
// target is recomputed at the next heartbeat), Reconciling (a member is not at the assignment epoch yet),
// Stable.
//
// Reconciliation (Kafka's CurrentAssignmentBuilder), per member, toward the target at the assignment epoch:
//   keep      = assigned ∩ target
//   revoke    = assigned − keep                    (the member must stop and commit, then stop reporting them)
//   assign    = target − keep − partitions another member still holds ("unreleased")
//   revoke non-empty and still reported as owned  → UnrevokedPartitions, the member stays at its epoch and is
//                                                   told only `keep` (its rebalance timeout runs)
//   else assign non-empty                          → keep + assign, epoch = target epoch, Stable (or
//                                                   UnreleasedPartitions if something is still held elsewhere)
//   else                                           → keep, epoch = target epoch, Stable / UnreleasedPartitions
// A partition is free when no member holds it (assigned or pending revocation): partition epochs track that,
// so no partition is ever given to two members at once.

import { compareTp, tpFromKey, tpKey, type ConsumerGroupState, type GroupProtocol, type TopicPartition } from "../types.js";

export type MemberState = "Stable" | "UnrevokedPartitions" | "UnreleasedPartitions";

/** Partition keys (tpKey) a member holds or should hold. */
export type PartitionSet = ReadonlySet<string>;

export interface ConsumerMember {
  readonly memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  /** What the member may consume now (told in the heartbeat response). */
  assigned: PartitionSet;
  /** Taken away; the member still holds them until it stops reporting them as owned. */
  pendingRevocation: PartitionSet;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  /** KIP-848 SubscribedTopicRegex (RE2 syntax, whole-name match), null when the member subscribes by names only. */
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  clientId: string;
  clientHost: string;
  /**
   * Set for a member that speaks the classic protocol (JoinGroup/SyncGroup/Heartbeat) inside this consumer
   * group (KIP-848 online migration): what a classic group needs to take it back on a downgrade.
   */
  classic: ClassicProtocolInfo | null;
}

export interface ClassicProtocolInfo {
  protocolType: string;
  protocols: GroupProtocol[];
  sessionTimeoutMs: number;
}

export function newMember(memberId: string): ConsumerMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: "Stable",
    assigned: new Set(),
    pendingRevocation: new Set(),
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    clientId: "",
    clientHost: "",
    classic: null,
  };
}

/** ConsumerGroup.snapshot(): the group's fields, copied. */
export interface ConsumerGroupSnapshot {
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly members: ReadonlyMap<string, ConsumerMember>;
  readonly staticMembers: ReadonlyMap<string, string>;
  readonly target: ReadonlyMap<string, PartitionSet>;
  readonly subscriptionMetadata: ReadonlyMap<string, number>;
  readonly topicVisible: ReadonlyMap<string, (topic: string) => boolean>;
  readonly resolvedTopics: ReadonlyMap<string, string[]>;
  readonly partitionEpochs: ReadonlyMap<string, number>;
}

export class ConsumerGroup {
  readonly kind = "consumer" as const;
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id of the static member holding it. */
  readonly staticMembers = new Map<string, string>();
  /** member id → target partitions at assignmentEpoch. */
  target = new Map<string, PartitionSet>();
  /** The partition counts of subscribed topics the group epoch was last bumped for. */
  subscriptionMetadata = new Map<string, number>();
  /** Classic members given an id with MEMBER_ID_REQUIRED that have not joined with it yet (in memory only). */
  readonly pendingClassicMembers = new Set<string>();
  /**
   * Per member, whether its principal may see a topic (ConsumerGroupHeartbeatRequest.topicVisible), from its
   * latest heartbeat. In memory only: after a restart a member's regex resolves unfiltered until its first
   * heartbeat, which sets this before its assignment is computed and answered (the epoch moves when the
   * filtered list differs from the unfiltered one).
   */
  readonly topicVisible = new Map<string, (topic: string) => boolean>();
  /** Per member, the topic list its last heartbeat resolved (names plus regex matches, filtered). */
  readonly resolvedTopics = new Map<string, string[]>();
  /** partition key → epoch of the member holding it (assigned or pending revocation). */
  private readonly partitionEpochs = new Map<string, number>();

  constructor(readonly groupId: string) {}

  get size(): number {
    return this.members.size;
  }

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return "Empty";
    if (this.groupEpoch > this.assignmentEpoch) return "Assigning";
    for (const m of this.members.values()) if (!isReconciledTo(m, this.assignmentEpoch)) return "Reconciling";
    return "Stable";
  }

  is(state: ConsumerGroupState): boolean {
    return this.state === state;
  }

  member(memberId: string): ConsumerMember | undefined {
    return this.members.get(memberId);
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    const id = this.staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  /** The epoch of the member holding the partition, -1 if it is free. */
  partitionEpoch(key: string): number {
    return this.partitionEpochs.get(key) ?? -1;
  }

  targetOf(memberId: string): PartitionSet {
    return this.target.get(memberId) ?? new Set();
  }

  /** Adds or replaces a member (same id), keeping partition epochs and the static index in step. */
  updateMember(member: ConsumerMember): void {
    const old = this.members.get(member.memberId);
    if (old) this.releasePartitions(old);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    for (const key of member.assigned) this.partitionEpochs.set(key, member.memberEpoch);
    for (const key of member.pendingRevocation) this.partitionEpochs.set(key, member.memberEpoch);
  }

  removeMember(memberId: string): ConsumerMember | undefined {
    const old = this.members.get(memberId);
    if (!old) return undefined;
    this.releasePartitions(old);
    this.members.delete(memberId);
    if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
    this.target.delete(memberId);
    this.topicVisible.delete(memberId);
    this.resolvedTopics.delete(memberId);
    return old;
  }

  private releasePartitions(member: ConsumerMember): void {
    for (const key of member.assigned) if (this.partitionEpochs.get(key) === member.memberEpoch) this.partitionEpochs.delete(key);
    for (const key of member.pendingRevocation) if (this.partitionEpochs.get(key) === member.memberEpoch) this.partitionEpochs.delete(key);
  }

  /**
   * The group's state as it is now, to go back to if the write that follows fails (persist/store.ts).
   * Members and partition sets are never changed in place (updateMember replaces them), so copying the maps
   * is enough. The MEMBER_ID_REQUIRED ids in flight are not part of it: they are not written either.
   */
  snapshot(): ConsumerGroupSnapshot {
    return {
      groupEpoch: this.groupEpoch,
      assignmentEpoch: this.assignmentEpoch,
      members: new Map(this.members),
      staticMembers: new Map(this.staticMembers),
      target: new Map(this.target),
      subscriptionMetadata: new Map(this.subscriptionMetadata),
      topicVisible: new Map(this.topicVisible),
      resolvedTopics: new Map(this.resolvedTopics),
      partitionEpochs: new Map(this.partitionEpochs),
    };
  }

  /** Puts back a snapshot; a member's topic filter from a later heartbeat is kept (it is not group state). */
  restore(s: ConsumerGroupSnapshot): void {
    this.groupEpoch = s.groupEpoch;
    this.assignmentEpoch = s.assignmentEpoch;
    this.target = new Map(s.target);
    this.subscriptionMetadata = new Map(s.subscriptionMetadata);
    refill(this.members, s.members);
    refill(this.staticMembers, s.staticMembers);
    refill(this.resolvedTopics, s.resolvedTopics);
    refill(this.partitionEpochs, s.partitionEpochs);
    const visible = new Map([...s.topicVisible, ...this.topicVisible]);
    refill(this.topicVisible, new Map([...visible].filter(([id]) => this.members.has(id))));
  }

  /** True when every member speaks the classic protocol, except `exceptId` (the member leaving). */
  allClassicExcept(exceptId: string | null): boolean {
    for (const m of this.members.values()) if (m.memberId !== exceptId && m.classic === null) return false;
    return true;
  }

  /** The assignor the members ask for: the most requested, ties by name; "uniform" when none asks. */
  preferredAssignor(): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = "uniform";
    let most = 0;
    for (const [name, n] of [...votes].sort(([a], [b]) => (a < b ? -1 : 1))) if (n > most) [best, most] = [name, n];
    return best;
  }
}

/** Gives a map `from`'s contents, in place (the group's `readonly` maps cannot be replaced). */
function refill<K, V>(into: Map<K, V>, from: ReadonlyMap<K, V>): void {
  into.clear();
  for (const [k, v] of from) into.set(k, v);
}

export function isReconciledTo(member: ConsumerMember, epoch: number): boolean {
  return member.state === "Stable" && member.memberEpoch === epoch;
}

export function toPartitions(set: PartitionSet): TopicPartition[] {
  return [...set].map(tpFromKey).sort(compareTp);
}

export function toSet(partitions: readonly TopicPartition[]): Set<string> {
  return new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
}

/**
 * One reconciliation step (Kafka's CurrentAssignmentBuilder.build). `owned` is what the member reported in
 * this heartbeat (null: not reported, so revoked partitions count as still owned).
 */
export function reconcile(
  member: ConsumerMember,
  targetEpoch: number,
  target: PartitionSet,
  partitionEpoch: (key: string) => number,
  owned: PartitionSet | null,
): ConsumerMember {
  switch (member.state) {
    case "Stable":
      return member.memberEpoch !== targetEpoch ? nextAssignment(member, member.memberEpoch, targetEpoch, target, partitionEpoch, owned) : member;
    case "UnrevokedPartitions":
      if (ownsAny(owned, member.pendingRevocation)) return member;
      return nextAssignment(member, member.memberEpoch + 1, targetEpoch, target, partitionEpoch, owned);
    case "UnreleasedPartitions":
      return nextAssignment(member, member.memberEpoch, targetEpoch, target, partitionEpoch, owned);
  }
}

function ownsAny(owned: PartitionSet | null, keys: PartitionSet): boolean {
  if (owned === null) return true;
  for (const key of keys) if (owned.has(key)) return true;
  return false;
}

function nextAssignment(
  member: ConsumerMember,
  memberEpoch: number,
  targetEpoch: number,
  target: PartitionSet,
  partitionEpoch: (key: string) => number,
  owned: PartitionSet | null,
): ConsumerMember {
  const keep = new Set([...member.assigned].filter((k) => target.has(k)));
  const revoke = new Set([...member.assigned].filter((k) => !keep.has(k)));
  let unreleased = false;
  const assign: string[] = [];
  for (const k of target) {
    if (keep.has(k)) continue;
    if (partitionEpoch(k) !== -1) unreleased = true;
    else assign.push(k);
  }
  // Kafka's updateMemberEpoch: the previous epoch is always the one the member had before this step.
  const epochs = (epoch: number) => ({ memberEpoch: epoch, previousMemberEpoch: member.memberEpoch });
  if (revoke.size && ownsAny(owned, revoke)) {
    return { ...member, ...epochs(memberEpoch), state: "UnrevokedPartitions", assigned: keep, pendingRevocation: revoke };
  }
  for (const k of assign) keep.add(k);
  return { ...member, ...epochs(targetEpoch), state: unreleased ? "UnreleasedPartitions" : "Stable", assigned: keep, pendingRevocation: new Set() };
}
