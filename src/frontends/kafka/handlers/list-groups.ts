// ListGroups (key 16), v0-2.
//
// Behavior: every group the coordinator knows (those with only committed offsets are Empty groups, as in
// Kafka), with its protocol type ("consumer" for consumer groups, WebSocket ones included). Without a
// coordinator: COORDINATOR_NOT_AVAILABLE and no groups.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleListGroups: Handler<typeof ApiKey.ListGroups> = (ctx) => {
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, groups: [] };
  return {
    errorCode: KafkaErrors.NONE.code,
    groups: ctx.coordinator.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })),
  };
};
