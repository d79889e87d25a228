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
// - v10 (Kafka 4.1) names topics by id: an unknown id gets UNKNOWN_TOPIC_ID for each of its partitions.
// Version notes: v3 throttle time; v5 drops retention time; v6 leader epoch; v7 group instance id; v9 epochs;
// v10 topic ids.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, OffsetCommitResponse } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { MoreKafkaCodes, topicById, topicIdBytes } from "./topic-ids.js";

export const handleOffsetCommit: Handler<typeof ApiKey.OffsetCommit> = async (ctx, request, info) => {
  const byId = info.header.apiVersion >= 10;
  const everyPartition = (t: (typeof request.topics)[number], errorCode: number) => ({
    name: t.name,
    topicId: t.topicId,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  });
  if (!ctx.coordinator) return { topics: request.topics.map((t) => everyPartition(t, KafkaErrors.COORDINATOR_NOT_AVAILABLE.code)) };
  // v10 names topics by id: resolve them; an unknown id is UNKNOWN_TOPIC_ID for its partitions.
  const known = byId ? request.topics.filter((t) => t.topicId && topicById(ctx, t.topicId)) : request.topics;
  const named = byId ? known.map((t) => ({ ...t, name: topicById(ctx, t.topicId!)!.name })) : known;
  const res = await ctx.coordinator.commitOffsets({
    groupId: request.groupId,
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    apiVersion: info.header.apiVersion,
    topics: named,
  });
  if (!byId) return res;
  const out: OffsetCommitResponse = { topics: [] };
  let i = 0;
  for (const t of request.topics) {
    if (!known.includes(t)) {
      out.topics.push({ ...everyPartition(t, MoreKafkaCodes.UNKNOWN_TOPIC_ID), name: "" });
      continue;
    }
    const r = res.topics[i++]!;
    const record = ctx.broker.topic(r.name);
    out.topics.push({ name: "", topicId: record ? topicIdBytes(record) : t.topicId, partitions: r.partitions });
  }
  return out;
};
