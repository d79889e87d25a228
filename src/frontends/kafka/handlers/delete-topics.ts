// DeleteTopics (key 20), v0-3.
//
// Behavior:
// - Per topic, errors as data: unknown: UNKNOWN_TOPIC_OR_PARTITION; internal topics (`__consumer_offsets`):
//   INVALID_TOPIC_EXCEPTION (deleting them would drop every committed offset); otherwise the topic is
//   forgotten durably and its files removed before we answer. A name given twice is answered twice.
// - Groups are told the topics changed (managed WebSocket groups re-check their partitions).
// - timeout_ms is not needed: deletion is complete when we answer.
// Version notes: v1 adds throttle time; v2-3 only change throttling; v4+ is flexible.

import { isInternalTopic } from "../../../broker/topic-name.js";
import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDeleteTopics: Handler<typeof ApiKey.DeleteTopics> = async (ctx, request) => {
  const responses: { name: string; errorCode: number }[] = [];
  let deleted = false;
  for (const name of request.topicNames) {
    if (isInternalTopic(name) && ctx.broker.topic(name)) {
      responses.push({ name, errorCode: KafkaErrors.INVALID_TOPIC_EXCEPTION.code });
      continue;
    }
    try {
      await ctx.broker.deleteTopic(name);
      deleted = true;
      responses.push({ name, errorCode: KafkaErrors.NONE.code });
    } catch (error) {
      responses.push({ name, errorCode: toKafkaCode(error) });
    }
  }
  if (deleted) ctx.coordinator?.refreshTopics();
  return { responses };
};
