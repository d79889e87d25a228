// DeleteGroups (key 42), v0-2.
//
// Behavior: per group, through the coordinator (src/groups/admin.ts deleteGroups): unknown group:
// GROUP_ID_NOT_FOUND; a group with members: NON_EMPTY_GROUP; otherwise the group and its committed
// offsets are gone (tombstoned durably) when we answer. Without a coordinator: COORDINATOR_NOT_AVAILABLE
// for every group.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDeleteGroups: Handler<typeof ApiKey.DeleteGroups> = async (ctx, request) => {
  if (!ctx.coordinator) {
    return { results: request.groupsNames.map((groupId) => ({ groupId, errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code })) };
  }
  return { results: await ctx.coordinator.deleteGroups(request.groupsNames) };
};
