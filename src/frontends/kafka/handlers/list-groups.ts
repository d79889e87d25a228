// ListGroups (key 16), v0-5.
//
// Behavior: every group the coordinator knows (those with only committed offsets are Empty groups, as in
// Kafka), with its protocol type ("consumer" for consumer groups, WebSocket ones included). Without a
// coordinator: COORDINATOR_NOT_AVAILABLE and no groups. v4+ filters by state (case-insensitive, as Kafka)
// and reports each group's state; v5 filters by type (case-insensitive) and reports each group's type:
// "consumer" for KIP-848 groups (ConsumerGroupHeartbeat), "classic" for the rest (WebSocket groups are
// server-assigned too, but Kafka clients reach them only through the classic APIs' errors).

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleListGroups: Handler<typeof ApiKey.ListGroups> = (ctx, request) => {
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, groups: [] };
  const types = new Set((request.typesFilter ?? []).map((s) => s.toLowerCase()));
  return {
    errorCode: KafkaErrors.NONE.code,
    groups: ctx.coordinator
      .listGroups({ states: request.statesFilter ?? [] })
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type === "consumer" ? "consumer" : "classic" }))
      .filter((g) => types.size === 0 || types.has(g.groupType)),
  };
};
