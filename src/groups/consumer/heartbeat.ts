// ConsumerGroupHeartbeat (KIP-848) inside the coordinator: join, heartbeat, reconcile, leave, all one request.
// Topics are names here; the Kafka front end maps topic ids to names and back.
//
// Behavior (Kafka's GroupMetadataManager.consumerGroupHeartbeat, 4.0):
// - Validation → INVALID_REQUEST: empty group id, blank instance/rack id, memberEpoch > 0 or -1 without
//   member id (v1+: every epoch needs the client's member id), epoch 0 without rebalance timeout, without
//   subscribed topic names or regex, or with owned partitions that are not []; epoch -2 without instance id;
//   epoch < -2. An unknown server assignor → UNSUPPORTED_ASSIGNOR. A SubscribedTopicRegex RE2 would refuse
//   (regex-parse.ts) → INVALID_REGULAR_EXPRESSION (128).
// - Topic regex (v1): the member subscribes to the topics whose whole name matches (RE2/J's matches()), plus
//   its topic names if it sent both. Resolved against the broker's topics at every heartbeat of the group, so
//   a matching topic created (or a matched one deleted) changes the subscribed partition counts below and
//   bumps the group epoch at the next heartbeat. null keeps the member's regex, "" clears it. Internal
//   topics are not excluded (Kafka does not exclude them either). Kafka 4.1 also filters the matches by the
//   member's DESCRIBE ACLs; here the coordinator does not know principals, so it does not.
// - Group lookup: epoch 0 creates the group; an empty classic or WebSocket group (e.g. one that only has
//   committed offsets) becomes a consumer group, its offsets kept. A classic group with members is upgraded
//   (online migration, migration.ts) when consumerMigrationPolicy allows it and it uses the "consumer"
//   protocol type; otherwise, and for a WebSocket group with members → GROUP_ID_NOT_FOUND ("not a consumer
//   group", as Kafka with online migration off). A KIP-848 member leaving (or fenced) so that only classic
//   members remain downgrades the group back to classic when the policy allows it. The group at maxGroupSize refuses new
//   members with GROUP_MAX_SIZE_REACHED.
// - Member lookup: a known dynamic member joining again with epoch 0 (after FENCED_MEMBER_EPOCH, v1 clients
//   rejoin under the same id) starts afresh: its old partitions are released first. Epoch > 0 with an
//   unknown member → UNKNOWN_MEMBER_ID (also when the group is unknown,
//   which here only happens after a broker restart: membership is kept in memory, and Kafka's clients treat
//   UNKNOWN_MEMBER_ID as "rejoin with epoch 0", whereas GROUP_ID_NOT_FOUND is fatal to them). An epoch
//   above the member's → FENCED_MEMBER_EPOCH; below it → FENCED_MEMBER_EPOCH unless it is the previous
//   epoch and the owned partitions are a subset of the assignment (the response with the new epoch was lost).
// - Static members (instance id): joining with an instance id another live member holds →
//   UNRELEASED_INSTANCE_ID; once that member left with epoch -2, the new member takes its place and its
//   assignment, with no rebalance (the group epoch does not move). A heartbeat naming an instance id held
//   by a different member id → FENCED_INSTANCE_ID; an unknown instance id → UNKNOWN_MEMBER_ID.
// - Leave: epoch -1 removes the member (its partitions are free at once, the group epoch is bumped); epoch
//   -2 (static) keeps it with epoch -2 and its assignment until its session expires or it comes back.
// - The group epoch is bumped when a member joins, leaves, changes its subscription, or a subscribed topic's
//   partition count changes (checked at every heartbeat). The target assignment is recomputed at the next
//   heartbeat when the group epoch is ahead (assignors: "uniform" = balanced and sticky, "range" = Kafka's
//   range per topic; "uniform" unless the members ask otherwise).
// - Response: member id, member epoch, heartbeat interval, and the assignment when the request was a full
//   one (epoch 0, or rebalance timeout + topics + owned partitions all given) or the assignment changed.
// - Timers: the session (consumerSessionTimeoutMs) restarts at every heartbeat; when it ends the member is
//   fenced (removed). A member that does not revoke within its rebalance timeout is fenced too.

import { timerKey } from "../clock.js";
import { assignors } from "../assignors.js";
import { Err, type GroupContext } from "../context.js";
import { ConsumerGroup, isReconciledTo, newMember, reconcile, toPartitions, toSet, type ConsumerMember } from "./group.js";
import type { TopicPartition } from "../types.js";
import { persistConsumer } from "../persist/snapshot.js";
import { checkpointOf } from "../persist/checkpoint.js";
import { compileTopicRegex } from "./regex-match.js";
import { RegexSyntaxError } from "./regex-parse.js";
import { memberTopics, subscriptionMetadata } from "./subscription.js";
import { maybeDowngrade, persistAfterRemoval, upgradeRefusal, upgradeToConsumer } from "./migration.js";

export const SERVER_ASSIGNORS = ["uniform", "range"] as const;

export interface ConsumerGroupHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex?: string | null;
  serverAssignor: string | null;
  /** Owned partitions (names resolved by the front end); null = unchanged since the last heartbeat. */
  topicPartitions: TopicPartition[] | null;
  /** v1+ clients generate their member id (KIP-1082); v0 joins with "" and gets one. */
  clientGeneratesMemberId?: boolean;
  clientId?: string;
  clientHost?: string;
  /**
   * Whether the asking principal may DESCRIBE a topic, when an authorizer is on: the topics a regex resolves
   * to are filtered by it (Kafka 4's KAFKA-18813), so a member is never assigned, nor told the name of, a
   * topic it could not see. Absent: every match counts.
   */
  topicVisible?: (topic: string) => boolean;
}

export interface ConsumerGroupHeartbeatResponse {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** null when not sent. */
  assignment: TopicPartition[] | null;
}

class HeartbeatError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export function consumerGroupHeartbeat(ctx: GroupContext, req: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
  try {
    validate(req);
    if (req.memberEpoch === -1 || req.memberEpoch === -2) return leave(ctx, req);
    return heartbeat(ctx, req);
  } catch (error) {
    if (!(error instanceof HeartbeatError)) throw error;
    return { errorCode: error.code, errorMessage: error.message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  } finally {
    // Whatever this request changed (also on the way to an error, e.g. a member rejoining under its own id).
    const group = ctx.groups.get(req.groupId);
    if (group?.kind === "consumer") void persistConsumer(ctx, group);
  }
}

const fail = (code: number, message: string): never => {
  throw new HeartbeatError(code, message);
};

function blank(s: string | null | undefined): boolean {
  return s !== null && s !== undefined && s.trim() === "";
}

function validate(req: ConsumerGroupHeartbeatRequest): void {
  if (req.groupId.trim() === "") fail(Err.INVALID_REQUEST, "GroupId can't be empty.");
  if (blank(req.instanceId)) fail(Err.INVALID_REQUEST, "InstanceId can't be empty.");
  if (blank(req.rackId)) fail(Err.INVALID_REQUEST, "RackId can't be empty.");
  // "" means no regex: librdkafka (2.12, 2.15) sends it in every full heartbeat of a topic-name subscription
  // (rd_kafka_topic_partition_list_combine_regexes returns "" when there is no regex).
  if (req.subscribedTopicRegex != null && req.subscribedTopicRegex !== "") {
    try {
      compileTopicRegex(req.subscribedTopicRegex);
    } catch (error) {
      if (!(error instanceof RegexSyntaxError)) throw error;
      fail(Err.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex ${req.subscribedTopicRegex} is not a valid regular expression: ${error.message}.`);
    }
  }
  const epoch = req.memberEpoch;
  if (req.clientGeneratesMemberId && req.memberId.trim() === "") fail(Err.INVALID_REQUEST, "MemberId can't be empty.");
  if (epoch > 0 || epoch === -1) {
    if (req.memberId.trim() === "") fail(Err.INVALID_REQUEST, "MemberId can't be empty.");
  } else if (epoch === 0) {
    if (req.rebalanceTimeoutMs === -1) fail(Err.INVALID_REQUEST, "RebalanceTimeoutMs must be provided in first request.");
    if (req.topicPartitions === null || req.topicPartitions.length) fail(Err.INVALID_REQUEST, "TopicPartitions must be empty when (re-)joining.");
    if (!req.subscribedTopicNames?.length && !req.subscribedTopicRegex) fail(Err.INVALID_REQUEST, "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
  } else if (epoch === -2) {
    if (req.memberId.trim() === "") fail(Err.INVALID_REQUEST, "MemberId can't be empty.");
    if (req.instanceId === null) fail(Err.INVALID_REQUEST, "InstanceId can't be null.");
  } else {
    fail(Err.INVALID_REQUEST, "MemberEpoch is invalid.");
  }
  if (req.serverAssignor !== null && !(SERVER_ASSIGNORS as readonly string[]).includes(req.serverAssignor)) {
    fail(Err.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${SERVER_ASSIGNORS.join(", ")}.`);
  }
}

/** The consumer group, created (or converted from an empty group of another kind) when `create`. */
function consumerGroup(ctx: GroupContext, groupId: string, create: boolean): ConsumerGroup | undefined {
  const existing = ctx.groups.get(groupId);
  if (existing?.kind === "consumer") return existing;
  if (existing) {
    const empty = existing.kind === "classic" ? existing.size === 0 && existing.pendingMembers.size === 0 : existing.size === 0;
    if (!empty && existing.kind === "classic" && create && existing.size > 0) {
      // Online upgrade (migration.ts): the classic members stay, speaking JoinGroup/SyncGroup/Heartbeat.
      const refusal = upgradeRefusal(ctx, existing);
      if (refusal !== null) fail(Err.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group: ${refusal}.`);
      ctx.persist.setDurable(groupId, checkpointOf(ctx, groupId)); // a failed first write puts the classic group back
      const upgraded = upgradeToConsumer(ctx, existing);
      for (const m of upgraded.members.values()) scheduleSession(ctx, upgraded, m.memberId);
      return upgraded;
    }
    if (!empty) fail(Err.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    if (!create) return undefined;
    ctx.timers.cancelPrefix(timerKey.group(groupId));
    ctx.logger.info("an empty group becomes a consumer group (KIP-848); its committed offsets stay", { group: groupId, was: existing.kind });
  }
  if (!create) return undefined;
  ctx.persist.setDurable(groupId, checkpointOf(ctx, groupId)); // what a failed first write puts back
  const group = new ConsumerGroup(groupId);
  ctx.groups.set(groupId, group);
  return group;
}

function heartbeat(ctx: GroupContext, req: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
  const joining = req.memberEpoch === 0;
  const group = consumerGroup(ctx, req.groupId, joining);
  if (!group) return fail(Err.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
  const owned = req.topicPartitions === null ? null : toSet(req.topicPartitions);
  if (group.size >= ctx.config.maxGroupSize && (req.memberId === "" || !group.member(req.memberId))) {
    const rejoiningStatic = req.instanceId !== null && group.staticMember(req.instanceId) !== undefined;
    if (!rejoiningStatic) fail(Err.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${ctx.config.maxGroupSize} members.`);
  }
  const memberId = req.memberId || globalThis.crypto.randomUUID();
  const member = req.instanceId === null ? dynamicMember(ctx, group, memberId, req, owned) : staticMember(ctx, group, memberId, req, owned);

  // 1. The member as this request leaves it; a new member or a changed subscription bumps the group epoch.
  let updated: ConsumerMember = {
    ...member,
    instanceId: req.instanceId ?? member.instanceId,
    rackId: req.rackId ?? member.rackId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
    serverAssignor: req.serverAssignor ?? member.serverAssignor,
    subscribedTopicNames: req.subscribedTopicNames ? [...new Set(req.subscribedTopicNames)].sort() : member.subscribedTopicNames,
    // null: unchanged; "": none (a member switching back to topic names, or librdkafka's "no regex").
    subscribedTopicRegex: req.subscribedTopicRegex == null ? member.subscribedTopicRegex : req.subscribedTopicRegex || null,
    clientId: req.clientId ?? member.clientId,
    clientHost: req.clientHost ?? member.clientHost,
  };
  let bump = !group.member(memberId) || !sameList(member.subscribedTopicNames, updated.subscribedTopicNames) || member.subscribedTopicRegex !== updated.subscribedTopicRegex;
  group.updateMember(updated);
  // The member's topics as its regex resolves them now (topics created or deleted, or its rights changed):
  // a different list moves the group epoch even when the group's set of topics stays the same. With no list
  // kept yet (a restart) the baseline is the resolution the loaded target assignment was made from.
  const previous = group.resolvedTopics.get(memberId) ?? memberTopics(ctx, group).get(memberId) ?? [];
  if (req.topicVisible) group.topicVisible.set(memberId, req.topicVisible);
  const resolved = memberTopics(ctx, group).get(memberId) ?? [];
  if (!sameList(previous, resolved)) bump = true;
  group.resolvedTopics.set(memberId, resolved);
  const metadata = subscriptionMetadata(ctx, group);
  if (!sameCounts(metadata, group.subscriptionMetadata)) bump = true;
  group.subscriptionMetadata = metadata;
  if (bump) {
    group.groupEpoch++;
    ctx.logger.info("consumer group epoch bumped", { group: group.groupId, epoch: group.groupEpoch, member: memberId });
  }

  // 2. A new target assignment when the group epoch moved past it.
  if (group.groupEpoch > group.assignmentEpoch) computeTarget(ctx, group);

  // 3. Move the member toward its target.
  if (!isReconciledTo(updated, group.assignmentEpoch)) {
    const before = updated;
    updated = reconcile(updated, group.assignmentEpoch, group.targetOf(memberId), (k) => group.partitionEpoch(k), owned);
    if (updated !== before) {
      group.updateMember(updated);
      if (updated.state === "UnrevokedPartitions") scheduleRebalanceTimeout(ctx, group, updated);
      else ctx.timers.cancel(timerKey.revoke(group.groupId, memberId));
    }
  }
  scheduleSession(ctx, group, memberId);

  const full = joining || (req.rebalanceTimeoutMs !== -1 && req.subscribedTopicNames !== null && req.topicPartitions !== null);
  const changed = !sameSet(member.assigned, updated.assigned);
  return {
    errorCode: Err.NONE,
    errorMessage: null,
    memberId,
    memberEpoch: updated.memberEpoch,
    heartbeatIntervalMs: ctx.config.consumerHeartbeatIntervalMs,
    assignment: full || changed ? toPartitions(updated.assigned) : null,
  };
}

function dynamicMember(ctx: GroupContext, group: ConsumerGroup, memberId: string, req: ConsumerGroupHeartbeatRequest, owned: ReadonlySet<string> | null): ConsumerMember {
  const member = group.member(memberId);
  if (!member) {
    if (req.memberEpoch === 0) return newMember(memberId);
    return fail(Err.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
  }
  if (req.memberEpoch === 0 && member.memberEpoch !== 0 && !(member.previousMemberEpoch === 0 && [...(owned ?? [])].every((k) => member.assigned.has(k)))) {
    // A member rejoining under its own id (v1 clients keep their id for life, and after FENCED_MEMBER_EPOCH
    // they rejoin with epoch 0): the old incarnation's partitions are released and it starts afresh, rather
    // than being fenced again at every attempt.
    fenceMember(ctx, group, memberId, "rejoined with epoch 0");
    return newMember(memberId);
  }
  checkEpoch(member, req.memberEpoch, owned);
  return member;
}

function staticMember(ctx: GroupContext, group: ConsumerGroup, memberId: string, req: ConsumerGroupHeartbeatRequest, owned: ReadonlySet<string> | null): ConsumerMember {
  const instanceId = req.instanceId!;
  const existing = group.staticMember(instanceId);
  if (req.memberEpoch === 0) {
    if (!existing) return group.member(memberId) ? fail(Err.UNRELEASED_INSTANCE_ID, `Member ${memberId} already exists.`) : newMember(memberId);
    if (existing.memberEpoch !== -2) {
      fail(Err.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`);
    }
    // The returning static member takes the old one's place and assignment: no rebalance.
    const target = group.target.get(existing.memberId);
    group.removeMember(existing.memberId);
    ctx.timers.cancel(timerKey.heartbeat(group.groupId, existing.memberId));
    ctx.timers.cancel(timerKey.revoke(group.groupId, existing.memberId));
    const replacement: ConsumerMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
    group.updateMember(replacement);
    if (target) group.target.set(memberId, target);
    ctx.logger.info("static member rejoined in place of the previous one", { group: group.groupId, instanceId, member: memberId, replaced: existing.memberId });
    return replacement;
  }
  if (!existing) return fail(Err.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
  if (existing.memberId !== memberId) fail(Err.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
  checkEpoch(existing, req.memberEpoch, owned);
  return existing;
}

function checkEpoch(member: ConsumerMember, received: number, owned: ReadonlySet<string> | null): void {
  if (received > member.memberEpoch) {
    fail(Err.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (received < member.memberEpoch) {
    const subset = owned === null || [...owned].every((k) => member.assigned.has(k));
    if (received !== member.previousMemberEpoch || !subset) {
      fail(Err.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
  }
}

export function computeTarget(ctx: GroupContext, group: ConsumerGroup): void {
  const name = group.preferredAssignor();
  const assignor = name === "range" ? assignors.range : assignors.sticky;
  const topics = memberTopics(ctx, group);
  const input = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    topics: (topics.get(m.memberId) ?? []).filter((t) => group.subscriptionMetadata.has(t)),
    current: toPartitions(group.targetOf(m.memberId)),
  }));
  const result = assignor(input, (t) => group.subscriptionMetadata.get(t) ?? 0);
  group.target = new Map([...result].map(([id, list]) => [id, toSet(list)]));
  group.assignmentEpoch = group.groupEpoch;
  ctx.logger.info("consumer group target assignment computed", { group: group.groupId, epoch: group.assignmentEpoch, assignor: name });
}

function leave(ctx: GroupContext, req: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
  const existing = ctx.groups.get(req.groupId);
  if (existing?.kind !== "consumer") return fail(Err.GROUP_ID_NOT_FOUND, `Consumer group ${req.groupId} not found.`);
  const group = existing;
  let member: ConsumerMember | undefined;
  if (req.instanceId === null) {
    member = group.member(req.memberId);
    if (!member) fail(Err.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${group.groupId}.`);
  } else {
    member = group.staticMember(req.instanceId);
    if (!member) fail(Err.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (member!.memberId !== req.memberId) fail(Err.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${member!.memberId}.`);
    if (req.memberEpoch === -2) {
      // A static member leaving for a while: it keeps its place (and partitions) until its session ends.
      group.updateMember({ ...member!, memberEpoch: -2, pendingRevocation: new Set() });
      ctx.timers.cancel(timerKey.revoke(group.groupId, member!.memberId));
      ctx.logger.info("static member left temporarily", { group: group.groupId, member: member!.memberId, instanceId: req.instanceId });
      return { errorCode: Err.NONE, errorMessage: null, memberId: member!.memberId, memberEpoch: -2, heartbeatIntervalMs: 0, assignment: null };
    }
  }
  fenceMember(ctx, group, member!.memberId, "left");
  maybeDowngrade(ctx, group);
  return { errorCode: Err.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
}

/** Removes a member; its partitions are free at once and the group epoch moves (a new target follows). */
export function fenceMember(ctx: GroupContext, group: ConsumerGroup, memberId: string, reason: string): void {
  if (!group.removeMember(memberId)) return;
  ctx.timers.cancel(timerKey.heartbeat(group.groupId, memberId));
  ctx.timers.cancel(timerKey.revoke(group.groupId, memberId));
  ctx.timers.cancel(timerKey.classicRejoin(group.groupId, memberId));
  group.subscriptionMetadata = subscriptionMetadata(ctx, group);
  group.groupEpoch++;
  ctx.logger.info("consumer group member removed", { group: group.groupId, member: memberId, reason, epoch: group.groupEpoch });
}

function isCurrent(ctx: GroupContext, group: ConsumerGroup): boolean {
  return ctx.groups.get(group.groupId) === group;
}

/** A classic-protocol member's session is the one it gave in JoinGroup; a KIP-848 member's is the group config's. */
export function scheduleSession(ctx: GroupContext, group: ConsumerGroup, memberId: string): void {
  const timeoutMs = group.member(memberId)?.classic?.sessionTimeoutMs ?? ctx.config.consumerSessionTimeoutMs;
  ctx.timers.schedule(timerKey.heartbeat(group.groupId, memberId), timeoutMs, () => {
    if (!isCurrent(ctx, group)) return;
    fenceMember(ctx, group, memberId, "session timeout");
    persistAfterRemoval(ctx, group);
  });
}

export function scheduleRebalanceTimeout(ctx: GroupContext, group: ConsumerGroup, member: ConsumerMember): void {
  const epoch = member.memberEpoch;
  ctx.timers.schedule(timerKey.revoke(group.groupId, member.memberId), Math.max(member.rebalanceTimeoutMs, 0), () => {
    const now = group.member(member.memberId);
    if (isCurrent(ctx, group) && now && now.memberEpoch === epoch && now.state === "UnrevokedPartitions") {
      fenceMember(ctx, group, member.memberId, "revocation not acknowledged within the rebalance timeout");
      persistAfterRemoval(ctx, group);
    }
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
