// Heartbeat (key 12), v0-4 (v4 flexible; same behaviour).
//
// Behavior: the coordinator answers REBALANCE_IN_PROGRESS while the group prepares a rebalance (the member
// must rejoin), UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION for a fenced member, else NONE and the session timer
// restarts. Without a coordinator: COORDINATOR_NOT_AVAILABLE.
// Version notes: v1 throttle time; v2 throttling; v3 group instance id (echoed, not enforced).

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleHeartbeat: Handler<typeof ApiKey.Heartbeat> = (ctx, request) => {
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code };
  return ctx.coordinator.heartbeat({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
  });
};
