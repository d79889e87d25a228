// OffsetCommit (key 8), v2-9 (v8+ flexible; v9 member epochs apply to KIP-848 groups only).
//
// Behavior:
// - Committed offsets are durable (the `__consumer_offsets` topic) before we answer; errors per partition.
// - generationId -1 with member id "" is a standalone commit (kcat -o, assign() users): accepted while the
//   group has no members. Otherwise the coordinator checks member and generation (UNKNOWN_MEMBER_ID,
//   ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS).
// - retention_time_ms (v2-4) is ignored: offsets are kept until the group is deleted. The committed leader
//   epoch (v6+) is stored but never handed back (OffsetFetch answers -1; see offset-fetch.ts).
// - Without a coordinator: COORDINATOR_NOT_AVAILABLE for every partition.
// - KIP-848 consumer groups: generation_id_or_member_epoch is the member epoch; another epoch →
//   STALE_MEMBER_EPOCH, a member committing below v9 → UNSUPPORTED_VERSION (src/groups/offsets.ts).
// Version notes: v3 throttle time; v5 drops retention time; v6 leader epoch; v7 group instance id; v9 epochs.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleOffsetCommit: Handler<typeof ApiKey.OffsetCommit> = async (ctx, request, info) => {
  if (!ctx.coordinator) {
    const errorCode = KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
    return { topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
  }
  return ctx.coordinator.commitOffsets({
    groupId: request.groupId,
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    apiVersion: info.header.apiVersion,
    topics: request.topics,
  });
};
