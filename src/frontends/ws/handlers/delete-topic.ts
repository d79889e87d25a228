// DELETE_TOPIC -> OK, by the broker core's rules (shared with the Kafka front end's DeleteTopics).

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleDeleteTopic: WsHandler<typeof FrameType.DELETE_TOPIC> = async ({ broker }, frame) => {
  await broker.deleteTopic(frame.name);
  return { type: FrameType.OK, requestId: frame.requestId };
};
