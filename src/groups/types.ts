// Requests and responses of the group coordinator, shaped like the Kafka messages (same field names, so a
// front end copies fields across) but free of wire concerns: versions, nullability and throttle time are the
// codec's business. Kafka errors are data: every response carries `errorCode` (0 = NONE).

export interface TopicPartition {
  topic: string;
  partition: number;
}

export type ClassicGroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";
/** Managed groups follow KIP-848's names: Assigning is the initial join window, Reconciling is a move in flight. */
export type ManagedGroupState = "Empty" | "Assigning" | "Reconciling" | "Stable" | "Dead";
/** KIP-848 consumer groups (ConsumerGroupHeartbeat): the same names as Kafka's ConsumerGroupState. */
export type ConsumerGroupState = ManagedGroupState;
export type GroupState = ClassicGroupState | ManagedGroupState;

export interface GroupProtocol {
  name: string;
  metadata: Uint8Array;
}

// ---- JoinGroup (11) -------------------------------------------------------------------------------------

export interface JoinGroupRequest {
  groupId: string;
  /** "" for a member joining for the first time. */
  memberId: string;
  /** KIP-345 static membership is not implemented: the id is recorded and echoed, the member stays dynamic. */
  groupInstanceId?: string | null;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: Kafka then uses the session timeout, and so do we when this is undefined. */
  rebalanceTimeoutMs?: number;
  protocolType: string;
  protocols: GroupProtocol[];
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED (79) with its id and must join again with it. */
  requireKnownMemberId?: boolean;
  clientId?: string;
  clientHost?: string;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinGroupResponse {
  errorCode: number;
  /** -1 on error. */
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Only the leader gets the members (with the metadata of the chosen protocol). */
  members: JoinGroupMember[];
}

// ---- SyncGroup (14) -------------------------------------------------------------------------------------

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  /** SyncGroup v5+: checked against the group's when given. */
  protocolType?: string | null;
  protocolName?: string | null;
  /** The leader's assignment for every member; followers send []. */
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface SyncGroupResponse {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

// ---- Heartbeat (12) and LeaveGroup (13) -----------------------------------------------------------------

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export interface HeartbeatResponse {
  errorCode: number;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2 carry one member (put it here alone); v3+ a list. */
  members: Array<{ memberId: string; groupInstanceId?: string | null }>;
}

export interface LeaveGroupResponse {
  errorCode: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

// ---- OffsetCommit (8) and OffsetFetch (9) ---------------------------------------------------------------

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 (with memberId "") for a standalone commit: accepted only while the group has no members. */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  /** The OffsetCommit version: KIP-848 members must commit with v9+ (their epochs). */
  apiVersion?: number;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      committedOffset: bigint;
      committedLeaderEpoch?: number;
      committedMetadata?: string | null;
    }>;
  }>;
}

export interface OffsetCommitResponse {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has an offset for (OffsetFetch v2+). */
  topics: Array<{ name: string; partitionIndexes: number[] }> | null;
  /** OffsetFetch v9+: checked for KIP-848 consumer groups (null / -1: an admin or standalone fetch). */
  memberId?: string | null;
  memberEpoch?: number;
}

export interface OffsetFetchPartition {
  partitionIndex: number;
  /** -1 when the group has no offset for the partition. */
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponse {
  errorCode: number;
  topics: Array<{ name: string; partitions: OffsetFetchPartition[] }>;
}

/** One committed offset as stored. */
export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

// ---- configuration --------------------------------------------------------------------------------------

export interface GroupConfig {
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members. Default 3000. */
  initialRebalanceDelayMs?: number;
  /** group.min.session.timeout.ms. Default 6000. */
  minSessionTimeoutMs?: number;
  /** group.max.session.timeout.ms. Default 1800000. */
  maxSessionTimeoutMs?: number;
  /** group.max.size. Default unlimited. */
  maxGroupSize?: number;
  /** How long a new member's JoinGroup may wait before it is dropped (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs?: number;
  /** offset.metadata.max.bytes (counted in UTF-16 units, as Kafka counts chars). Default 4096. */
  offsetMetadataMaxBytes?: number;
  /** Managed members: how long a revocation may stay unacknowledged before the member is removed. Default 60000. */
  managedRebalanceTimeoutMs?: number;
  /** KIP-848 groups: group.consumer.session.timeout.ms. Default 45000. */
  consumerSessionTimeoutMs?: number;
  /** KIP-848 groups: group.consumer.heartbeat.interval.ms, told to members in every heartbeat. Default 5000. */
  consumerHeartbeatIntervalMs?: number;
  /**
   * group.consumer.migration.policy (KIP-848 online migration): "bidirectional" (default) lets a KIP-848
   * member join a classic group with members (upgrade) and turns a consumer group whose last KIP-848 member
   * left back into a classic group (downgrade); "upgrade" / "downgrade" allow one direction; "disabled"
   * allows neither, and classic members cannot join a consumer group that has members.
   */
  consumerMigrationPolicy?: ConsumerMigrationPolicy;
}

export const CONSUMER_MIGRATION_POLICIES = ["bidirectional", "upgrade", "downgrade", "disabled"] as const;
export type ConsumerMigrationPolicy = (typeof CONSUMER_MIGRATION_POLICIES)[number];

export type ResolvedGroupConfig = Required<GroupConfig>;

export function resolveGroupConfig(config: GroupConfig = {}): ResolvedGroupConfig {
  return {
    initialRebalanceDelayMs: config.initialRebalanceDelayMs ?? 3000,
    minSessionTimeoutMs: config.minSessionTimeoutMs ?? 6000,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs ?? 1_800_000,
    maxGroupSize: config.maxGroupSize ?? Number.POSITIVE_INFINITY,
    newMemberJoinTimeoutMs: config.newMemberJoinTimeoutMs ?? 300_000,
    offsetMetadataMaxBytes: config.offsetMetadataMaxBytes ?? 4096,
    managedRebalanceTimeoutMs: config.managedRebalanceTimeoutMs ?? 60_000,
    consumerSessionTimeoutMs: config.consumerSessionTimeoutMs ?? 45_000,
    consumerHeartbeatIntervalMs: config.consumerHeartbeatIntervalMs ?? 5_000,
    consumerMigrationPolicy: config.consumerMigrationPolicy ?? "bidirectional",
  };
}

export const EMPTY_BYTES = new Uint8Array(0);

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function tpFromKey(key: string): TopicPartition {
  const at = key.lastIndexOf("\u0000");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
