// CREATE_TOPIC -> OK. Names, partition counts and configs are validated by the broker core (the same rules
// as the Kafka front end's CreateTopics).

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleCreateTopic: WsHandler<typeof FrameType.CREATE_TOPIC> = async ({ broker }, frame) => {
  await broker.createTopic(frame.name, { partitions: frame.partitions, configs: frame.configs });
  return { type: FrameType.OK, requestId: frame.requestId };
};
