// OffsetFetch (key 9), v1-5.
//
// Behavior:
// - A partition without a committed offset: offset -1, metadata "", NONE. topics null (v2+): every
//   partition the group has committed.
// - The committed leader epoch (v5) is always -1: newer librdkafka copies the epoch of fetched batches into
//   its commits and would start KIP-320 offset validation (OffsetForLeaderEpoch, which we do not serve) if
//   we handed one back.
// - A group-level error (coordinator loading or closed): the top-level error code from v2 on; v1 has none,
//   so it is put on every requested partition, as Kafka does. Without a coordinator: COORDINATOR_NOT_AVAILABLE.
// Version notes: v2 top-level error and null topics; v3 throttle time; v4 throttling; v5 leader epoch.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, OffsetFetchResponse } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleOffsetFetch: Handler<typeof ApiKey.OffsetFetch> = (ctx, request, info): OffsetFetchResponse => {
  const res = ctx.coordinator
    ? ctx.coordinator.fetchOffsets({ groupId: request.groupId, topics: request.topics })
    : { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, topics: [] };
  if (res.errorCode !== KafkaErrors.NONE.code && info.header.apiVersion < 2) {
    return {
      errorCode: res.errorCode,
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: res.errorCode })),
      })),
    };
  }
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
};
