// OffsetDelete (key 47), v0.
//
// Behavior: removes a group's committed offsets for the partitions named (src/groups/admin.ts
// deleteGroupOffsets): unknown group: GROUP_ID_NOT_FOUND; a group with members: NON_EMPTY_GROUP (Kafka
// would allow partitions of topics the group does not subscribe to; Rivulet refuses while anyone is in
// the group, the conservative half of that rule). Errors are top-level; every partition echoes the code.
// Without a coordinator: COORDINATOR_NOT_AVAILABLE.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleOffsetDelete: Handler<typeof ApiKey.OffsetDelete> = async (ctx, request) => {
  const echo = (errorCode: number) =>
    request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, topics: [] };
  const partitions = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
  const res = await ctx.coordinator.deleteGroupOffsets(request.groupId, partitions);
  if (res.errorCode !== KafkaErrors.NONE.code && res.partitions.length === 0) {
    // Group-level refusal: nothing deleted.
    return { errorCode: res.errorCode, topics: [] };
  }
  return { errorCode: res.errorCode, topics: echo(KafkaErrors.NONE.code) };
};
