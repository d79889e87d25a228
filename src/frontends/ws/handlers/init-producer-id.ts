// INIT_PRODUCER_ID -> PRODUCER_ID: a fresh durable producer id (epoch 0) for an idempotent producer.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleInitProducerId: WsHandler<typeof FrameType.INIT_PRODUCER_ID> = ({ broker }, frame) => {
  const { producerId, producerEpoch } = broker.initProducerId();
  return { type: FrameType.PRODUCER_ID, requestId: frame.requestId, producerId, producerEpoch };
};
