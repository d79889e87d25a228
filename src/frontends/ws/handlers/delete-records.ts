// DELETE_RECORDS -> RECORDS_DELETED: per item, the partition's log start offset moves up to `offset` (-1: the
// high watermark), as Kafka's DeleteRecords. Records below it can no longer be read (a fetch there gets
// OFFSET_OUT_OF_RANGE), closed segments wholly below it are deleted, and the new start is durable before the
// answer, so it survives a restart. An offset at or below the current start changes nothing. Per-item errors:
// unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION, offset above the high watermark (or below -1) →
// OFFSET_OUT_OF_RANGE; the item's lowWatermark is then -1. In a cluster, as Kafka's (broker.deleteRecords):
// the leader answers once the followers have moved their log start too (NOT_LEADER_OR_FOLLOWER elsewhere,
// REQUEST_TIMED_OUT after 30 s).

import { FrameType } from "../../../protocol/ws/frames.js";
import { errorCodeOf } from "../error-codes.js";
import type { WsHandler } from "./context.js";

export const handleDeleteRecords: WsHandler<typeof FrameType.DELETE_RECORDS> = async ({ broker }, frame) => {
  const results = await broker.deleteRecords(frame.items);
  return {
    type: FrameType.RECORDS_DELETED,
    requestId: frame.requestId,
    items: results.map((r) => (r.ok && !r.error ? { errorCode: 0, lowWatermark: r.ok.lowWatermark } : { errorCode: errorCodeOf(r.error), lowWatermark: -1n })),
  };
};
