// ConsumerGroupDescribe (key 69), v0-1 (KIP-848).
//
// Behavior: per group id, the coordinator's answer (src/groups/consumer/describe.ts): "" → INVALID_GROUP_ID,
// unknown or not a KIP-848 group (classic, WebSocket) → GROUP_ID_NOT_FOUND with Kafka's message; else state,
// group and assignment epochs, assignor, and members with their current and target assignments (topic id
// and name). authorized_operations: not computed (INT32_MIN, "not requested"). Without a coordinator:
// COORDINATOR_NOT_AVAILABLE per group.
// v1 (KIP-1099) adds each member's type: 1 (consumer protocol), or 0 for a classic member inside a consumer
// group (KIP-848 online migration, src/groups/consumer/migration.ts), as Kafka answers.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { ConsumerGroupDescribeGroup } from "../../../protocol/kafka/apis/consumer-group-describe.js";
import type { Handler } from "./context.js";
import { toIds } from "./consumer-group-heartbeat.js";

/** KIP-1099's member_type for a member speaking the consumer protocol (0 is classic, -1 unknown). */
const CONSUMER_MEMBER = 1;
const CLASSIC_MEMBER = 0; // a JoinGroup member inside a consumer group (online migration)

export const handleConsumerGroupDescribe: Handler<typeof ApiKey.ConsumerGroupDescribe> = (ctx, request) => {
  const groups: ConsumerGroupDescribeGroup[] = request.groupIds.map((groupId) => {
    if (!ctx.coordinator) {
      return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, groupId, groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [] };
    }
    const g = ctx.coordinator.describeConsumerGroup(groupId);
    if (g.errorCode !== KafkaErrors.NONE.code) {
      return { errorCode: g.errorCode, errorMessage: g.errorMessage, groupId, groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [] };
    }
    return {
      errorCode: KafkaErrors.NONE.code,
      groupId,
      groupState: g.state,
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      assignorName: g.assignor,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: { topicPartitions: toIds(ctx, m.assignment) },
        targetAssignment: { topicPartitions: toIds(ctx, m.targetAssignment) },
        memberType: m.usesClassicProtocol ? CLASSIC_MEMBER : CONSUMER_MEMBER,
      })),
    };
  });
  return { groups };
};
