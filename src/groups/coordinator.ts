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

import { KafkaProtocolError } from "../errors/index.js";
import { createLogger, type Logger } from "../log.js";
import * as admin from "./admin.js";
import { heartbeat } from "./classic/heartbeat.js";
import { joinGroup } from "./classic/join.js";
import { leaveGroup } from "./classic/leave.js";
import { joinError, syncError } from "./classic/rebalance.js";
import { syncGroup } from "./classic/sync.js";
import { systemClock, Timers, type Clock } from "./clock.js";
import { Err, type AnyGroup, type CoordinatorHooks, type GroupContext } from "./context.js";
import { ClassicGroup } from "./group.js";
import type { ManagedCallbacks } from "./managed-group.js";
import { joinManaged, type ManagedJoinOptions, type ManagedMemberHandle } from "./managed.js";
import { InMemoryOffsetLog, OffsetStore, type OffsetLog } from "./offset-store.js";
import { commitOffsets, fetchOffsets, validateCommit, writeOffsets } from "./offsets.js";
import { consumerGroupHeartbeat, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from "./consumer/heartbeat.js";
import { describeConsumerGroup, type ConsumerGroupDescription } from "./consumer/describe.js";
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

  constructor(options: GroupCoordinatorOptions = {}) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? createLogger();
    const { partitionsFor, logEndOffset, resolveStart } = options;
    this.ctx = {
      config: resolveGroupConfig(options.config),
      clock,
      timers: new Timers(clock),
      groups: new Map<string, AnyGroup>(),
      offsets: new OffsetStore(options.offsetLog ?? new InMemoryOffsetLog(), logger),
      logger,
      hooks: { partitionsFor, logEndOffset, resolveStart },
    };
  }

  /** A coordinator whose offsets are loaded. */
  static async create(options: GroupCoordinatorOptions = {}): Promise<GroupCoordinator> {
    const coordinator = new GroupCoordinator(options);
    await coordinator.start();
    return coordinator;
  }

  /** Replays the offsets log. Groups that have offsets come back as Empty groups, as in Kafka. */
  async start(): Promise<void> {
    if (this.status !== "loading") return;
    await this.ctx.offsets.load();
    for (const groupId of this.ctx.offsets.groupIds()) {
      if (!this.ctx.groups.has(groupId)) this.ctx.groups.set(groupId, new ClassicGroup(groupId, this.ctx.clock.now()));
    }
    this.status = "active";
  }

  // ---- Kafka requests ------------------------------------------------------------------------------------

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const error = this.statusError();
    if (error !== Err.NONE) return Promise.resolve(joinError(request.memberId, error));
    return joinGroup(this.ctx, request);
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    if (this.status === "loading") return Promise.resolve(syncError(Err.REBALANCE_IN_PROGRESS));
    const error = this.statusError();
    if (error !== Err.NONE) return Promise.resolve(syncError(error));
    return syncGroup(this.ctx, request);
  }

  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    if (this.status === "loading") return { errorCode: Err.NONE };
    const error = this.statusError();
    return error !== Err.NONE ? { errorCode: error } : heartbeat(this.ctx, request);
  }

  leaveGroup(request: LeaveGroupRequest): LeaveGroupResponse {
    const error = this.statusError();
    return error !== Err.NONE ? { errorCode: error, members: [] } : leaveGroup(this.ctx, request);
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const error = this.statusError();
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
    const error = this.statusError();
    return error !== Err.NONE ? { errorCode: error, topics: [] } : fetchOffsets(this.ctx, request);
  }

  // ---- KIP-848 consumer groups ----------------------------------------------------------------------------

  consumerGroupHeartbeat(request: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
    const error = this.statusError();
    if (error !== Err.NONE) return { errorCode: error, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    return consumerGroupHeartbeat(this.ctx, request);
  }

  describeConsumerGroup(groupId: string): ConsumerGroupDescription {
    const error = this.statusError();
    if (error !== Err.NONE) return { groupId, errorCode: error, errorMessage: null, state: "Dead", groupEpoch: -1, assignmentEpoch: -1, assignor: "", members: [] };
    return describeConsumerGroup(this.ctx, groupId);
  }

  // ---- managed members (WebSocket) -------------------------------------------------------------------------

  /** Joins a server-assigned group; throws KafkaProtocolError (see managed.ts for which). */
  joinManaged(options: ManagedJoinOptions, callbacks: ManagedCallbacks): ManagedMemberHandle {
    const error = this.statusError();
    if (error === Err.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaProtocolError("COORDINATOR_LOAD_IN_PROGRESS", "offsets are still loading");
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
    return admin.listGroups(this.ctx, filter);
  }

  describeGroup(groupId: string): Promise<admin.GroupDescription> {
    return admin.describeGroup(this.ctx, groupId);
  }

  deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    return admin.deleteGroups(this.ctx, groupIds);
  }

  deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): ReturnType<typeof admin.deleteGroupOffsets> {
    return admin.deleteGroupOffsets(this.ctx, groupId, partitions);
  }

  resetOffsets(groupId: string, topic: string, to: admin.ResetTarget, partitions?: number[]): Promise<admin.ResetResult> {
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

  private statusError(): number {
    if (this.status === "loading") return Err.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.status === "closed") return Err.COORDINATOR_NOT_AVAILABLE;
    return Err.NONE;
  }
}
