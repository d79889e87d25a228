// DescribeGroups (key 15), v0-5 (v5 flexible).
//
// Behavior: per group id, what the coordinator knows: state, protocol type and name, members with client
// id and host; member metadata and assignment bytes only when the group is Stable (as Kafka). An unknown
// group is described as Dead with no members and NONE (Kafka does the same). WebSocket (managed) groups
// are described too, with consumer-protocol bytes built from their members. authorized_operations (v3+):
// not computed (INT32_MIN, "not requested"). Without a coordinator: COORDINATOR_NOT_AVAILABLE per group.
// v6 (Kafka 4.0, KIP-1043): an unknown group gets GROUP_ID_NOT_FOUND with an error message, state Dead.

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, DescribedGroup } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDescribeGroups: Handler<typeof ApiKey.DescribeGroups> = async (ctx, request, info) => {
  const groups: DescribedGroup[] = [];
  for (const groupId of request.groups) {
    const empty = { groupId, groupState: "", protocolType: "", protocolData: "", members: [] };
    if (!ctx.coordinator) {
      groups.push({ errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, ...empty });
      continue;
    }
    // v6 (Kafka 4.0, KIP-1043): an unknown group is an error instead of an empty Dead group.
    if (info.header.apiVersion >= 6 && !ctx.coordinator.listGroups().some((g) => g.groupId === groupId)) {
      groups.push({ errorCode: KafkaErrors.GROUP_ID_NOT_FOUND.code, errorMessage: `Group ${groupId} not found.`, ...empty, groupState: "Dead" });
      continue;
    }
    try {
      const g = await ctx.coordinator.describeGroup(groupId);
      groups.push({
        errorCode: KafkaErrors.NONE.code,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocol,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
      });
    } catch (error) {
      groups.push({ errorCode: toKafkaCode(error), ...empty });
    }
  }
  return { groups };
};
