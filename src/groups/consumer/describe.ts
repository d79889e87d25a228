// ConsumerGroupDescribe (KIP-848) inside the coordinator.
//
// Behavior (Kafka's GroupCoordinatorShard.consumerGroupDescribe): "" → INVALID_GROUP_ID; an unknown group, or
// a group that is not a KIP-848 consumer group (classic, WebSocket) → GROUP_ID_NOT_FOUND; else the group's
// state, epochs, assignor and each member with its current assignment (what it may consume now) and its
// target assignment.

import { Err, type GroupContext } from "../context.js";
import type { ConsumerGroupState, TopicPartition } from "../types.js";
import { toPartitions } from "./group.js";

export interface ConsumerGroupMemberDescription {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: TopicPartition[];
  targetAssignment: TopicPartition[];
  /** Present (true) for a member speaking the classic protocol inside the group (online migration). */
  usesClassicProtocol?: true;
}

export interface ConsumerGroupDescription {
  groupId: string;
  errorCode: number;
  errorMessage: string | null;
  state: ConsumerGroupState;
  groupEpoch: number;
  assignmentEpoch: number;
  assignor: string;
  members: ConsumerGroupMemberDescription[];
}

export function describeConsumerGroup(ctx: GroupContext, groupId: string): ConsumerGroupDescription {
  const error = (errorCode: number, errorMessage: string): ConsumerGroupDescription => ({
    groupId,
    errorCode,
    errorMessage,
    state: "Dead",
    groupEpoch: -1,
    assignmentEpoch: -1,
    assignor: "",
    members: [],
  });
  if (groupId === "") return error(Err.INVALID_GROUP_ID, "The group id can't be empty.");
  const g = ctx.groups.get(groupId);
  if (!g) return error(Err.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
  if (g.kind !== "consumer") return error(Err.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
  return {
    groupId,
    errorCode: Err.NONE,
    errorMessage: null,
    state: g.state,
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    assignor: g.preferredAssignor(),
    members: [...g.members.values()]
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
      .map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: toPartitions(m.assigned),
        targetAssignment: toPartitions(g.targetOf(m.memberId)),
        ...(m.classic ? { usesClassicProtocol: true as const } : {}),
      })),
  };
}
