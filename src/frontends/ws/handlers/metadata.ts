// METADATA -> METADATA_RESULT: the named topics (all when none are named) with their partitions' offsets;
// an unknown topic is an error code on its entry, not a failed request.

import { toKafkaCode } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleMetadata: WsHandler<typeof FrameType.METADATA> = async ({ broker }, frame) => {
  const names = frame.topics.length ? frame.topics : broker.listTopics().map((t) => t.name);
  const topics = await Promise.all(
    names.map(async (name) => {
      try {
        const description = await broker.describeTopic(name);
        return {
          name,
          errorCode: 0,
          partitions: description.partitions.map((p) => ({ partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset })),
        };
      } catch (error) {
        return { name, errorCode: toKafkaCode(error), partitions: [] };
      }
    }),
  );
  return { type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics };
};
