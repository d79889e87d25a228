// SyncGroup (key 14), v0-5.
//
// Behavior:
// - The leader's request carries every member's assignment; followers park until it arrives (or the
//   rebalance fails), then each member gets its own assignment. The coordinator checks generation and
//   member (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS). Without a coordinator:
//   COORDINATOR_NOT_AVAILABLE.
// - v5 echoes the protocol type and name the member sent (Kafka checks them against the group; a member
//   that got this far joined with them).
// Version notes: v1 throttle time; v2 throttling; v3 group instance id (echoed, not enforced).

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

const EMPTY = new Uint8Array(0);

export const handleSyncGroup: Handler<typeof ApiKey.SyncGroup> = async (ctx, request) => {
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, assignment: EMPTY };
  const res = await ctx.coordinator.syncGroup({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    assignments: request.assignments,
  });
  return { errorCode: res.errorCode, protocolType: request.protocolType ?? null, protocolName: request.protocolName ?? null, assignment: res.assignment };
};
