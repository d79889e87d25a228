// ALTER_TOPIC_CONFIGS -> OK: sets some topic config overrides and removes others (back to the broker's
// default), keeping the rest, as Kafka's IncrementalAlterConfigs does. Validated by the broker core (the same
// rules as create: names, values, the segment.bytes floor); an unknown name is INVALID_CONFIG.

import { KafkaProtocolError } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleAlterTopicConfigs: WsHandler<typeof FrameType.ALTER_TOPIC_CONFIGS> = async ({ broker }, frame) => {
  const topic = broker.topic(frame.name);
  if (!topic) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${frame.name}`);
  const configs: Record<string, string> = { ...topic.configs, ...frame.set };
  for (const name of frame.remove) {
    if (name in frame.set) throw new KafkaProtocolError("INVALID_REQUEST", `config ${name} is both set and removed`);
    delete configs[name];
  }
  await broker.alterTopicConfigs(frame.name, configs);
  return { type: FrameType.OK, requestId: frame.requestId };
};
