// DESCRIBE_TOPIC -> TOPIC_DESCRIPTION: partitions with offsets, the topic id and its configs, and each
// partition's bytes on disk when the request asks for them (the sizes flag).

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleDescribeTopic: WsHandler<typeof FrameType.DESCRIBE_TOPIC> = async ({ broker }, frame) => {
  const d = await broker.describeTopic(frame.name);
  return {
    type: FrameType.TOPIC_DESCRIPTION,
    requestId: frame.requestId,
    name: d.name,
    id: d.id,
    partitions: d.partitions.map((p) => ({ partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset })),
    configs: d.configs,
    ...(frame.sizes ? { sizes: d.partitions.map((p) => p.sizeBytes) } : {}),
  };
};
