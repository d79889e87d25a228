// ListOffsets (key 2), v1-10 (v6+ flexible; v7 max timestamp (-3) is served; v8 earliest-local (-4) = earliest, v9 latest-tiered (-5) = -1: nothing is tiered; v10 timeout_ms is not needed).
//
// Behavior:
// - timestamp -1: the high watermark (the log end), or with isolation_level 1 (read_committed) the last
//   stable offset (the first offset of the earliest open transaction); -2: the log start offset; both
//   with timestamp -1.
// - Any timestamp >= 0: the first offset whose record timestamp is >= it, with that record's timestamp;
//   offset -1 and timestamp -1 when there is none. Compressed batches are decompressed to find the exact
//   record (src/core/codecs.ts, wired in the shard's Partition).
// - -3 (max timestamp, KIP-734, officially v7+) is answered too: it costs nothing.
// - Other negative timestamps: INVALID_REQUEST for that partition. Errors are per partition.
// - v4+ current_leader_epoch, cluster mode: FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH (leader-epoch.ts).
// Version notes: v2 adds isolation_level and throttle time; v3 throttling only.

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, ListOffsetsPartitionResponse } from "../../../protocol/kafka/index.js";
import { offsetSpecFromTimestamp } from "../../../protocol/offset-spec.js";
import type { Handler } from "./context.js";
import { leaderEpochError } from "./leader-epoch.js";

const EARLIEST = -2n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

export const handleListOffsets: Handler<typeof ApiKey.ListOffsets> = async (ctx, request) => ({
  topics: await Promise.all(
    request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        t.partitions.map(async ({ partitionIndex, timestamp: asked, currentLeaderEpoch }): Promise<ListOffsetsPartitionResponse> => {
          const epochError = leaderEpochError(ctx, t.name, partitionIndex, currentLeaderEpoch);
          if (epochError) return { partitionIndex, errorCode: epochError, timestamp: -1n, offset: -1n };
          // No tiered storage: the earliest local offset (-4) is the earliest offset, and nothing is tiered
          // (-5: offset -1, as Kafka answers when no segment has been uploaded).
          if (asked === LATEST_TIERED) {
            if (!ctx.broker.topic(t.name) || ctx.broker.logEndOffset(t.name, partitionIndex) === undefined) {
              return { partitionIndex, errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, timestamp: -1n, offset: -1n };
            }
            return { partitionIndex, errorCode: KafkaErrors.NONE.code, timestamp: -1n, offset: -1n };
          }
          const timestamp = asked === EARLIEST_LOCAL ? EARLIEST : asked;
          const spec = offsetSpecFromTimestamp(timestamp);
          if (spec === undefined) return { partitionIndex, errorCode: KafkaErrors.INVALID_REQUEST.code, timestamp: -1n, offset: -1n };
          try {
            const found = await ctx.broker.listOffsets(t.name, partitionIndex, spec, request.isolationLevel === 1 ? "read_committed" : undefined);
            const byTime = typeof spec === "object" || spec === "max-timestamp";
            return { partitionIndex, errorCode: KafkaErrors.NONE.code, timestamp: byTime ? found.timestamp : -1n, offset: found.offset };
          } catch (error) {
            return { partitionIndex, errorCode: toKafkaCode(error), timestamp: -1n, offset: -1n };
          }
        }),
      ),
    })),
  ),
});
