// DeleteTopics (key 20), v0-6.
//
// Behavior:
// - Per topic, errors as data: unknown: UNKNOWN_TOPIC_OR_PARTITION; internal topics (`__consumer_offsets`):
//   INVALID_TOPIC_EXCEPTION (deleting them would drop every committed offset); otherwise the topic is
//   forgotten durably and its files removed before we answer. A name given twice is answered twice.
// - Groups are told the topics changed (managed WebSocket groups re-check their partitions).
// - timeout_ms is not needed: deletion is complete when we answer.
// - v6 names topics by name or by id (KIP-516): an unknown id gets UNKNOWN_TOPIC_ID; the response
//   carries both the name and the id of each deleted topic.
// Version notes: v1 adds throttle time; v2-3 only change throttling; v4+ is flexible; v5 error messages.

import { isInternalTopic } from "../../../broker/topic-name.js";
import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { MoreKafkaCodes, ZERO_UUID, isZeroUuid, topicById, topicIdBytes } from "./topic-ids.js";

export const handleDeleteTopics: Handler<typeof ApiKey.DeleteTopics> = async (ctx, request) => {
  const responses: { name: string | null; topicId: Uint8Array; errorCode: number; errorMessage: string | null }[] = [];
  let deleted = false;
  const wanted = request.topics?.length ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  for (const want of wanted) {
    let name = want.name;
    if (name === null || (name === "" && !isZeroUuid(want.topicId))) {
      name = topicById(ctx, want.topicId)?.name ?? null;
      if (name === null) {
        responses.push({ name: null, topicId: want.topicId, errorCode: MoreKafkaCodes.UNKNOWN_TOPIC_ID, errorMessage: "no topic has this id" });
        continue;
      }
    }
    const record = ctx.broker.topic(name);
    const topicId = record ? topicIdBytes(record) : ZERO_UUID;
    if (isInternalTopic(name) && record) {
      responses.push({ name, topicId, errorCode: KafkaErrors.INVALID_TOPIC_EXCEPTION.code, errorMessage: "internal topics cannot be deleted" });
      continue;
    }
    try {
      await ctx.broker.deleteTopic(name);
      deleted = true;
      responses.push({ name, topicId, errorCode: KafkaErrors.NONE.code, errorMessage: null });
    } catch (error) {
      responses.push({ name, topicId, errorCode: toKafkaCode(error), errorMessage: (error as Error).message });
    }
  }
  if (deleted) ctx.coordinator?.refreshTopics();
  return { responses };
};
