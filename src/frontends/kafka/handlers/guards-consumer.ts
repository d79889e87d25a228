// Authorization guards for the KIP-848 consumer group APIs (see guards-data.ts for how guards work):
//
//   ConsumerGroupHeartbeat   READ group (30), and DESCRIBE on every subscribed topic (29), as Kafka 4 checks
//   ConsumerGroupDescribe    DESCRIBE group                                                30 per group
//                            and DESCRIBE on every topic in its members' assignments, else
//                            the whole group answers TOPIC_AUTHORIZATION_FAILED (29) with
//                            no members (Kafka 4, KAFKA-18813: a regex may have assigned
//                            topics the describer cannot see)

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may } from "./authorize.js";
import { NO_RESPONSE } from "./context.js";
import { mergeAllowed, type Guard } from "./guards-data.js";
import type { ConsumerGroupDescribeGroup } from "../../../protocol/kafka/apis/consumer-group-describe.js";

const GROUP_DENIED = KafkaErrors.GROUP_AUTHORIZATION_FAILED.code;
const TOPIC_DENIED = KafkaErrors.TOPIC_AUTHORIZATION_FAILED.code;

export const consumerGroupHeartbeatGuard: Guard<typeof ApiKey.ConsumerGroupHeartbeat> = async (ctx, request, info, next) => {
  const denied = (errorCode: number, errorMessage: string) => ({ throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
  if (!may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId)) return denied(GROUP_DENIED, "Authorization failed.");
  const hidden = (request.subscribedTopicNames ?? []).filter((t) => !may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, t));
  if (hidden.length) return denied(TOPIC_DENIED, `Not authorized to describe topics: ${hidden.join(", ")}.`);
  return next(request);
};

export const consumerGroupDescribeGuard: Guard<typeof ApiKey.ConsumerGroupDescribe> = async (ctx, request, info, next) => {
  const groups = await mergeAllowed(
    request.groupIds,
    (g) => may(ctx, info, Operation.DESCRIBE, ResourceType.GROUP, g),
    async (groupIds) => {
      const r = await next({ ...request, groupIds });
      if (r === NO_RESPONSE) throw new Error("handler gave no response where one is required");
      return r.groups.map((group) => {
        const hidden = hiddenTopics(group, (t) => may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, t));
        if (!hidden.length) return group;
        return { errorCode: TOPIC_DENIED, errorMessage: "The group has described topic(s) that the client is not authorized to describe.", groupId: group.groupId, groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [] };
      });
    },
    (groupId) => ({ errorCode: GROUP_DENIED, errorMessage: "Authorization failed.", groupId, groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [] }),
  );
  return { throttleTimeMs: 0, groups };
};

/** Topic names in the group's members' current and target assignments that `visible` refuses. */
function hiddenTopics(group: ConsumerGroupDescribeGroup, visible: (topic: string) => boolean): string[] {
  const names = new Set<string>();
  for (const m of group.members) {
    for (const tp of [...m.assignment.topicPartitions, ...m.targetAssignment.topicPartitions]) names.add(tp.topicName);
  }
  return [...names].filter((t) => !visible(t));
}
