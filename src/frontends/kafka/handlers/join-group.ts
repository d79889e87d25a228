// JoinGroup (key 11), v0-9: the classic group protocol, answered by the coordinator (src/groups).
//
// Behavior:
// - The request parks until the join phase ends (the group's rebalance window or rebalance timeout), so it
//   holds up only its own connection (requests are answered one at a time per connection, as Kafka mutes).
// - The coordinator picks a protocol every member lists (a kafkajs member and a librdkafka member share none:
//   INCONSISTENT_GROUP_PROTOCOL), gives the member list to the leader only, and fences stale members.
// - v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id (KIP-394); never below v4
//   (kafka-python 2.0.2 does not know code 79).
// - v0 has no rebalance timeout: the session timeout serves. Client id and host are recorded for
//   DescribeGroups. Without a coordinator: COORDINATOR_NOT_AVAILABLE.
// - A group is either all-Kafka or all-WebSocket: joining one that has WebSocket (managed) members gets
//   INCONSISTENT_GROUP_PROTOCOL; an empty managed group turns classic and keeps its committed offsets.
// - v7+ echoes the protocol type; v9 skip_assignment is always false (the leader assigns); the reason
//   (v8+) is logged at debug level only.
// Version notes: v1 rebalance timeout; v2 throttle time; v3 throttling; v4 member id required; v5 group
// instance ids (recorded and echoed; static membership is not implemented).

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, JoinGroupResponse } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleJoinGroup: Handler<typeof ApiKey.JoinGroup> = async (ctx, request, info): Promise<JoinGroupResponse> => {
  if (!ctx.coordinator) {
    return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, generationId: -1, protocolName: "", leader: "", memberId: request.memberId, members: [] };
  }
  const version = info.header.apiVersion;
  const res = await ctx.coordinator.joinGroup({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    sessionTimeoutMs: request.sessionTimeoutMs,
    rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : undefined,
    protocolType: request.protocolType,
    protocols: request.protocols,
    requireKnownMemberId: version >= 4,
    clientId: info.header.clientId ?? "",
    clientHost: info.clientHost,
  });
  return {
    errorCode: res.errorCode,
    generationId: res.generationId,
    protocolType: res.protocolName === null || res.protocolName === undefined ? null : request.protocolType,
    protocolName: res.protocolName ?? (version >= 7 ? null : ""),
    leader: res.leader,
    memberId: res.memberId,
    members: res.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
  };
};
