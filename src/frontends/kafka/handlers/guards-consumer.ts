// Authorization guards for the KIP-848 consumer group APIs (see guards-data.ts for how guards work):
//
//   ConsumerGroupHeartbeat   READ group (30), and DESCRIBE on every subscribed topic (29), as Kafka 4 checks
//   ConsumerGroupDescribe    DESCRIBE group                                                30 per group

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may } from "./authorize.js";
import { NO_RESPONSE } from "./context.js";
import { mergeAllowed, type Guard } from "./guards-data.js";

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
      return r.groups;
    },
    (groupId) => ({ errorCode: GROUP_DENIED, errorMessage: "Authorization failed.", groupId, groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [] }),
  );
  return { throttleTimeMs: 0, groups };
};
