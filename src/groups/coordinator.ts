// The group coordinator: the one object the front ends call for consumer groups. Sans-IO: no sockets, no
// files; time comes from a Clock, durability from an OffsetLog, topic facts from hooks. Every Kafka request
// answers with Kafka error codes as data; blocking requests (JoinGroup, SyncGroup) return promises that
// resolve when the protocol says so.
//
// Behavior (Kafka's validateGroupStatus): before start() has replayed the offsets, requests answer
// COORDINATOR_LOAD_IN_PROGRESS, except SyncGroup (REBALANCE_IN_PROGRESS, which old clients understand) and
// Heartbeat (NONE, blindly), as Kafka does while loading. After close(): COORDINATOR_NOT_AVAILABLE; close()
// answers every parked JoinGroup and SyncGroup with NOT_COORDINATOR (what Kafka sends when a coordinator
// unloads a group) and fences managed members.
// Cluster mode (`partitioned()`, src/groups/ownership.ts): the coordinator answers only for groups of the
// `__consumer_offsets` partitions this broker leads; `loadPartition` replays one partition's offsets and
// group metadata records (its groups come back as they were, as after a restart: persist/) and
// `unloadPartition` drops its groups (parked JoinGroup and
// SyncGroup answered NOT_COORDINATOR, managed members fenced). Group requests for a partition not loaded:
// NOT_COORDINATOR; while it loads: COORDINATOR_LOAD_IN_PROGRESS (Heartbeat NONE, SyncGroup
// REBALANCE_IN_PROGRESS, as for the whole coordinator loading).

import { KafkaProtocolError } from "../errors/index.js";
import { createLogger, type Logger } from "../log.js";
import * as admin from "./admin.js";
import { heartbeat } from "./classic/heartbeat.js";
import { joinGroup } from "./classic/join.js";
import { leaveGroup } from "./classic/leave.js";
import { joinError, syncError } from "./classic/rebalance.js";
import { syncGroup } from "./classic/sync.js";
import { systemClock, timerKey, Timers, type Clock } from "./clock.js";
import { GroupOwnership } from "./ownership.js";
import { Err, type AnyGroup, type CoordinatorHooks, type GroupContext } from "./context.js";
import { ClassicGroup } from "./group.js";
import type { ManagedCallbacks } from "./managed-group.js";
import { joinManaged, type ManagedJoinOptions, type ManagedMemberHandle } from "./managed.js";
import { InMemoryOffsetLog, OffsetStore, type OffsetLog } from "./offset-store.js";
import { appendErrorCode, commitOffsets, fetchOffsets, validateCommit, writeOffsets } from "./offsets.js";
import { consumerGroupHeartbeat, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from "./consumer/heartbeat.js";
import { describeConsumerGroup, type ConsumerGroupDescription } from "./consumer/describe.js";
import { GroupStore } from "./persist/store.js";
import { restoreGroups } from "./persist/restore.js";
import type { GroupCheckpoint } from "./persist/checkpoint.js";
import { rollBack } from "./consumer/rollback.js";
import {
  resolveGroupConfig,
  type GroupConfig,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
  type TopicPartition,
} from "./types.js";

export interface GroupCoordinatorOptions extends CoordinatorHooks {
  /** Where committed offsets live. Default: in memory (lost on restart). */
  offsetLog?: OffsetLog;
  clock?: Clock;
  config?: GroupConfig;
  logger?: Logger;
}

type Status = "loading" | "active" | "closed";

export class GroupCoordinator {
  private readonly ctx: GroupContext;
  private status: Status = "loading";
  private readonly offsetLog: OffsetLog;
  private ownership: GroupOwnership | undefined;

  constructor(options: GroupCoordinatorOptions = {}) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? createLogger();
    const { partitionsFor, logEndOffset, resolveStart, topicNames } = options;
    this.offsetLog = options.offsetLog ?? new InMemoryOffsetLog();
    this.ctx = {
      config: resolveGroupConfig(options.config),
      clock,
      timers: new Timers(clock),
      groups: new Map<string, AnyGroup>(),
      offsets: new OffsetStore(this.offsetLog, logger),
      // A failed write puts the group back as the log holds it (consumer/rollback.ts), unless it moved away.
      persist: new GroupStore(this.offsetLog, appendErrorCode, logger, (groupId, cp) => this.statusError(groupId) === Err.NONE && rollBack(this.ctx, cp as GroupCheckpoint)),
      logger,
      hooks: { partitionsFor, logEndOffset, resolveStart, topicNames },
    };
  }

  /** A coordinator whose offsets are loaded. */
  static async create(options: GroupCoordinatorOptions = {}): Promise<GroupCoordinator> {
    const coordinator = new GroupCoordinator(options);
    await coordinator.start();
    return coordinator;
  }

  /**
   * Replays the offsets log: groups with metadata records come back as they were (persist/restore.ts), other
   * groups that have offsets come back as Empty groups, as in Kafka.
   */
  async start(): Promise<void> {
    if (this.status !== "loading") return;
    await this.ctx.offsets.load(undefined, (record) => this.ctx.persist.visit(record));
    restoreGroups(this.ctx, this.ctx.persist.take());
    for (const groupId of this.ctx.offsets.groupIds()) {
      if (!this.ctx.groups.has(groupId)) this.ctx.groups.set(groupId, new ClassicGroup(groupId, this.ctx.clock.now()));
    }
    this.status = "active";
  }

  // ---- Kafka requests ------------------------------------------------------------------------------------

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const error = this.statusError(request.groupId);
    if (error !== Err.NONE) return Promise.resolve(joinError(request.memberId, error));
    return joinGroup(this.ctx, request);
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    const error = this.statusError(request.groupId);
    if (error === Err.COORDINATOR_LOAD_IN_PROGRESS) return Promise.resolve(syncError(Err.REBALANCE_IN_PROGRESS));
    if (error !== Err.NONE) return Promise.resolve(syncError(error));
    return syncGroup(this.ctx, request);
  }

  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    const error = this.statusError(request.groupId);
    if (error === Err.COORDINATOR_LOAD_IN_PROGRESS) return { errorCode: Err.NONE };
    return error !== Err.NONE ? { errorCode: error } : heartbeat(this.ctx, request);
  }

  leaveGroup(request: LeaveGroupRequest): LeaveGroupResponse {
    const error = this.statusError(request.groupId);
    return error !== Err.NONE ? { errorCode: error, members: [] } : leaveGroup(this.ctx, request);
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const error = this.statusError(request.groupId);
    if (error !== Err.NONE) {
      return { topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error })) })) };
    }
    return commitOffsets(this.ctx, request);
  }

  // ---- transactional offsets (issue 16, src/transactions) --------------------------------------------------

  /**
   * TxnOffsetCommit's group check: NONE, or the error for every partition. A v0-2 request (generation -1,
   * no member id) carries no membership to check, as in Kafka; otherwise the OffsetCommit rules apply.
   */
  validateTransactionalCommit(request: Pick<OffsetCommitRequest, "groupId" | "generationId" | "memberId" | "groupInstanceId">): number {
    const error = this.statusError();
    if (error !== Err.NONE) return error;
    if (request.generationId < 0 && request.memberId === "" && !request.groupInstanceId) return Err.NONE;
    return validateCommit(this.ctx, { ...request, topics: [] });
  }

  /** Writes a committed transaction's offsets (validated at TxnOffsetCommit time) to the offsets log. */
  async commitTransactionalOffsets(groupId: string, topics: OffsetCommitRequest["topics"]): Promise<OffsetCommitResponse> {
    const error = this.statusError();
    if (error !== Err.NONE) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", `group coordinator is not active (code ${error})`);
    if (!this.ctx.groups.has(groupId)) this.ctx.groups.set(groupId, new ClassicGroup(groupId, this.ctx.clock.now()));
    return writeOffsets(this.ctx, { groupId, topics }, () => Err.NONE);
  }

  fetchOffsets(request: OffsetFetchRequest): OffsetFetchResponse {
    const error = this.statusError(request.groupId);
    return error !== Err.NONE ? { errorCode: error, topics: [] } : fetchOffsets(this.ctx, request);
  }

  // ---- KIP-848 consumer groups ----------------------------------------------------------------------------

  /**
   * The heartbeat applied in memory; its records are being written (the change is rolled back if they cannot
   * be). Front ends answer with `consumerGroupHeartbeatDurable`, which waits for them; this one is for tests
   * that drive time by hand.
   */
  consumerGroupHeartbeat(request: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
    const error = this.statusError(request.groupId);
    if (error !== Err.NONE) return { errorCode: error, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    return consumerGroupHeartbeat(this.ctx, request);
  }

  /**
   * The heartbeat, answered once the group's records are durable (Kafka answers once its records are
   * committed). If they could not be written the member gets the append's error (NOT_COORDINATOR,
   * COORDINATOR_NOT_AVAILABLE, …) and the group is put back as it was before the change (Kafka reverts the
   * same way); the member retries, and its retry makes the change again.
   */
  async consumerGroupHeartbeatDurable(request: ConsumerGroupHeartbeatRequest): Promise<ConsumerGroupHeartbeatResponse> {
    const response = this.consumerGroupHeartbeat(request);
    if (response.errorCode !== Err.NONE) return response;
    const error = await this.ctx.persist.flush(request.groupId);
    if (error === Err.NONE) return response;
    return { errorCode: error, errorMessage: "The group's metadata could not be written.", memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  }

  describeConsumerGroup(groupId: string): ConsumerGroupDescription {
    const error = this.statusError(groupId);
    if (error !== Err.NONE) return { groupId, errorCode: error, errorMessage: null, state: "Dead", groupEpoch: -1, assignmentEpoch: -1, assignor: "", members: [] };
    return describeConsumerGroup(this.ctx, groupId);
  }

  // ---- managed members (WebSocket) -------------------------------------------------------------------------

  /** Joins a server-assigned group; throws KafkaProtocolError (see managed.ts for which). */
  joinManaged(options: ManagedJoinOptions, callbacks: ManagedCallbacks): ManagedMemberHandle {
    const error = this.statusError(options.groupId);
    if (error === Err.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaProtocolError("COORDINATOR_LOAD_IN_PROGRESS", "offsets are still loading");
    if (error === Err.NOT_COORDINATOR) throw new KafkaProtocolError("NOT_COORDINATOR", `this broker is not the coordinator of group ${options.groupId}`);
    if (error !== Err.NONE) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", "the coordinator is closed");
    return joinManaged(this.ctx, options, callbacks);
  }

  /** Topics changed (created, deleted, partitions added): managed groups re-check their partition counts. */
  refreshTopics(): void {
    for (const g of this.ctx.groups.values()) if (g.kind === "managed") g.refreshTopics();
  }

  /**
   * A topic was deleted: tombstone every group's committed offsets for it (Kafka's cleanupGroupMetadata
   * on topic deletion), so a re-created topic is not read from a stale position, and let managed groups
   * re-check their partitions. Returns how many offsets were deleted.
   */
  async deleteTopicOffsets(topic: string): Promise<number> {
    if (this.status !== "active") return 0;
    let deleted = 0;
    for (const groupId of this.ctx.offsets.groupIds()) {
      if (this.ownership && !this.ownership.owns(groupId)) continue;
      const partitions = this.ctx.offsets.list(groupId).filter((o) => o.topic === topic).map((o) => ({ topic, partition: o.partition }));
      if (!partitions.length) continue;
      await this.ctx.offsets.delete(groupId, partitions);
      deleted += partitions.length;
    }
    this.refreshTopics();
    if (deleted) this.ctx.logger.info("deleted the committed offsets of a deleted topic", { topic, offsets: deleted });
    return deleted;
  }

  // ---- admin ---------------------------------------------------------------------------------------------

  listGroups(filter?: { states?: string[] }): admin.GroupOverview[] {
    const groups = admin.listGroups(this.ctx, filter);
    return this.ownership ? groups.filter((g) => this.ownership!.owns(g.groupId)) : groups;
  }

  describeGroup(groupId: string): Promise<admin.GroupDescription> {
    this.assertOwned(groupId);
    return admin.describeGroup(this.ctx, groupId);
  }

  deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    if (!this.ownership) return admin.deleteGroups(this.ctx, groupIds);
    const own = this.ownership;
    const mine = groupIds.filter((g) => own.owns(g));
    return admin.deleteGroups(this.ctx, mine).then((done) => groupIds.map((g) => done.find((d) => d.groupId === g) ?? { groupId: g, errorCode: own.error(g) }));
  }

  deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): ReturnType<typeof admin.deleteGroupOffsets> {
    this.assertOwned(groupId);
    return admin.deleteGroupOffsets(this.ctx, groupId, partitions);
  }

  resetOffsets(groupId: string, topic: string, to: admin.ResetTarget, partitions?: number[]): Promise<admin.ResetResult> {
    this.assertOwned(groupId);
    return admin.resetOffsets(this.ctx, groupId, topic, to, partitions);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  get isActive(): boolean {
    return this.status === "active";
  }

  /** Stops every timer, answers parked requests with NOT_COORDINATOR and fences managed members. */
  close(): void {
    if (this.status === "closed") return;
    this.status = "closed";
    this.ctx.timers.cancelAll();
    for (const g of this.ctx.groups.values()) {
      if (g.kind === "managed") {
        g.fenceAll("coordinator-closed");
        continue;
      }
      if (g.kind === "consumer") continue; // members learn at their next heartbeat (COORDINATOR_NOT_AVAILABLE)
      for (const m of g.members.values()) {
        m.completeJoin(joinError(m.memberId, Err.NOT_COORDINATOR));
        m.completeSync(syncError(Err.NOT_COORDINATOR));
      }
    }
    this.ctx.timers.cancelAll();
  }

  private statusError(groupId?: string): number {
    if (this.status === "loading") return Err.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.status === "closed") return Err.COORDINATOR_NOT_AVAILABLE;
    return this.ownership && groupId ? this.ownership.error(groupId) : Err.NONE; // "": the handlers' INVALID_GROUP_ID
  }

  private assertOwned(groupId: string): void {
    const error = this.statusError(groupId);
    if (error === Err.NOT_COORDINATOR) throw new KafkaProtocolError("NOT_COORDINATOR", `this broker is not the coordinator of group ${groupId}`);
    if (error === Err.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaProtocolError("COORDINATOR_LOAD_IN_PROGRESS", `group ${groupId} is still loading`);
  }

  // ---- cluster mode: ownership moves with the offsets partitions' leadership ------------------------------

  /**
   * Switches to per-partition ownership (cluster mode): from now on the coordinator owns no group until
   * loadPartition. Whatever the start-up replay loaded is dropped: the partitions' leaders own it.
   */
  partitioned(): void {
    if (this.ownership) return;
    const log = this.offsetLog;
    if (!log.partitionFor || !log.replayPartition) throw new Error("partitioned(): the offsets log is not partitioned");
    this.ownership = new GroupOwnership((groupId) => log.partitionFor!(groupId));
    for (const groupId of new Set([...this.ctx.groups.keys(), ...this.ctx.offsets.knownGroupIds()])) this.unloadGroup(groupId);
  }

  /** Partitions this coordinator owns or is loading (cluster mode; undefined on a single node). */
  ownedPartitions(): number[] | undefined {
    return this.ownership?.partitions();
  }

  /**
   * This broker now leads `partition` of the offsets topic: replay its offsets, then answer for its groups.
   * `ready` runs first, inside the load (requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS).
   * Resolves once loaded (or once the load turned out stale or failed; failures are logged, and the
   * partition answers NOT_COORDINATOR so clients look again).
   */
  loadPartition(partition: number, ready?: () => Promise<void>): Promise<void> {
    const own = this.ownership;
    if (!own || this.status === "closed") return Promise.resolve();
    const token = own.begin(partition);
    return own.serialize(partition, async () => {
      if (!own.isCurrent(partition, token)) return;
      this.unloadGroups(partition); // anything left from an earlier term is stale
      const started = Date.now();
      try {
        await ready?.(); // e.g. the new leader's high watermark reaching its log end
        if (!own.isCurrent(partition, token)) return;
        this.ctx.persist.take((groupId) => own.partitionFor(groupId) === partition); // leftovers of a failed load
        await this.ctx.offsets.load(partition, (record) => this.ctx.persist.visit(record));
      } catch (error) {
        this.ctx.logger.warn("could not load a partition of the offsets topic", { partition, error: String(error) });
        if (own.isCurrent(partition, token)) own.drop(partition);
        this.unloadGroups(partition);
        return;
      }
      if (!own.isCurrent(partition, token) || this.status === "closed") {
        this.unloadGroups(partition); // unloaded (or re-loading) while we read: what we read is not ours
        return;
      }
      restoreGroups(this.ctx, this.ctx.persist.take((groupId) => own.partitionFor(groupId) === partition));
      for (const groupId of this.ctx.offsets.groupIds()) {
        if (own.partitionFor(groupId) === partition && !this.ctx.groups.has(groupId)) this.ctx.groups.set(groupId, new ClassicGroup(groupId, this.ctx.clock.now()));
      }
      own.activate(partition, token);
      this.ctx.logger.info("group coordinator loaded an offsets partition", { partition, ms: Date.now() - started });
    });
  }

  /** This broker no longer leads `partition`: drop its groups; their requests answer NOT_COORDINATOR. */
  unloadPartition(partition: number): void {
    const own = this.ownership;
    if (!own) return;
    const had = own.partitions().includes(partition);
    own.drop(partition);
    this.unloadGroups(partition);
    if (had) this.ctx.logger.info("group coordinator unloaded an offsets partition", { partition });
  }

  private unloadGroups(partition: number): void {
    const own = this.ownership!;
    for (const groupId of new Set([...this.ctx.groups.keys(), ...this.ctx.offsets.knownGroupIds()])) {
      if (own.partitionFor(groupId) === partition) this.unloadGroup(groupId);
    }
  }

  /** Forgets one group here, answering its parked requests NOT_COORDINATOR (Kafka's onGroupUnloaded). */
  private unloadGroup(groupId: string): void {
    const g = this.ctx.groups.get(groupId);
    this.ctx.timers.cancelPrefix(timerKey.group(groupId));
    this.ctx.groups.delete(groupId);
    this.ctx.offsets.forget(groupId);
    this.ctx.persist.forget(groupId);
    if (!g) return;
    if (g.kind === "managed") g.fenceAll("coordinator-closed");
    else if (g.kind === "classic") {
      for (const m of g.members.values()) {
        m.completeJoin(joinError(m.memberId, Err.NOT_COORDINATOR));
        m.completeSync(syncError(Err.NOT_COORDINATOR));
      }
    }
  }
}
