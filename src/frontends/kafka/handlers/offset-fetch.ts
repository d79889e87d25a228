// OffsetFetch (key 9), v1-9.
//
// Behavior:
// - A partition without a committed offset: offset -1, metadata "", NONE. topics null (v2+): every
//   partition the group has committed.
// - The committed leader epoch (v5) is always -1: newer librdkafka copies the epoch of fetched batches into
//   its commits and would start KIP-320 offset validation (OffsetForLeaderEpoch, which we do not serve) if
//   we handed one back.
// - A group-level error (coordinator loading or closed): the top-level error code from v2 on; v1 has none,
//   so it is put on every requested partition, as Kafka does. Without a coordinator: COORDINATOR_NOT_AVAILABLE.
// - v8+ asks for several groups at once (KIP-709): each group is answered as above, with its own error.
//   require_stable (v7+) needs no waiting: there are no pending transactional offsets.
// Version notes: v2 top-level error and null topics; v3 throttle time; v4 throttling; v5 leader epoch;
// v6 flexible; v7 require_stable; v8 groups; v9 member id/epoch: checked for KIP-848 consumer groups
// (unknown member → UNKNOWN_MEMBER_ID, another epoch → STALE_MEMBER_EPOCH, as the group's error); v10 (Kafka
// 4.1) topics by id, an unknown id answered with UNKNOWN_TOPIC_ID on its partitions.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, OffsetFetchResponse, OffsetFetchTopicResponse } from "../../../protocol/kafka/index.js";
import type { OffsetFetchGroupResponse, OffsetFetchRequestGroup } from "../../../protocol/kafka/apis/offset-fetch.js";
import type { Handler, KafkaBrokerContext } from "./context.js";
import { MoreKafkaCodes, topicById, topicIdBytes } from "./topic-ids.js";

export const handleOffsetFetch: Handler<typeof ApiKey.OffsetFetch> = (ctx, request, info): OffsetFetchResponse => {
  if (info.header.apiVersion >= 10) return { topics: [], groups: (request.groups ?? []).map((g) => fetchGroupById(ctx, g)) };
  if (info.header.apiVersion >= 8) {
    const groups = (request.groups ?? []).map((g) => {
      const res = fetchGroup(ctx, g.groupId, g.topics, g.memberId ?? null, g.memberEpoch ?? -1);
      return { groupId: g.groupId, errorCode: res.errorCode, topics: res.topics };
    });
    return { topics: [], groups };
  }
  const res = fetchGroup(ctx, request.groupId, request.topics);
  if (res.errorCode !== KafkaErrors.NONE.code && info.header.apiVersion < 2) {
    return {
      errorCode: res.errorCode,
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: res.errorCode })),
      })),
    };
  }
  return res;
};

/** v10: topics by id in and out; an unknown id gets UNKNOWN_TOPIC_ID on each partition asked for. */
function fetchGroupById(ctx: KafkaBrokerContext, g: OffsetFetchRequestGroup): OffsetFetchGroupResponse {
  const known = g.topics?.filter((t) => t.topicId && topicById(ctx, t.topicId)) ?? null;
  const named = known?.map((t) => ({ name: topicById(ctx, t.topicId!)!.name, partitionIndexes: t.partitionIndexes })) ?? null;
  const res = fetchGroup(ctx, g.groupId, named, g.memberId ?? null, g.memberEpoch ?? -1);
  const topics: OffsetFetchTopicResponse[] = [];
  for (const t of res.topics) {
    const record = ctx.broker.topic(t.name);
    if (record) topics.push({ ...t, name: "", topicId: topicIdBytes(record) });
  }
  for (const t of g.topics ?? []) {
    if (known?.includes(t)) continue;
    const errorCode = MoreKafkaCodes.UNKNOWN_TOPIC_ID;
    topics.push({ name: "", topicId: t.topicId, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode })) });
  }
  return { groupId: g.groupId, errorCode: res.errorCode, topics: res.errorCode === KafkaErrors.NONE.code ? topics : [] };
}

function fetchGroup(
  ctx: KafkaBrokerContext,
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  memberId: string | null = null,
  memberEpoch = -1,
): { errorCode: number; topics: OffsetFetchTopicResponse[] } {
  const res = ctx.coordinator
    ? ctx.coordinator.fetchOffsets({ groupId, topics, memberId, memberEpoch })
    : { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, topics: [] };
  return {
    errorCode: res.errorCode,
    topics: res.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: -1,
        metadata: p.metadata ?? "",
        errorCode: p.errorCode,
      })),
    })),
  };
}
