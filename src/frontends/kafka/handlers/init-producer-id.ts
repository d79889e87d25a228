// InitProducerId (key 22), v0-5: idempotent producers only (v3+ producer id/epoch in the request are ignored: a new id is handed out).
//
// Behavior:
// - No transactional id: a new producer id (durable, never reused) with epoch 0. librdkafka and kafkajs ask
//   once per producer instance; dedup state lives per (producer id, partition) in the shards.
// - A transactional id: INVALID_TXN_STATE, producer id -1, epoch -1 (transactions are not supported; the
//   error is not retriable, so a transactional client fails at init instead of retrying forever).
// Version notes: v1 only changes throttling; v2+ is flexible and out of this profile.

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleInitProducerId: Handler<typeof ApiKey.InitProducerId> = (ctx, request) => {
  if (request.transactionalId !== null) {
    return { errorCode: KafkaErrors.INVALID_TXN_STATE.code, producerId: -1n, producerEpoch: -1 };
  }
  try {
    const { producerId, producerEpoch } = ctx.broker.initProducerId();
    return { errorCode: KafkaErrors.NONE.code, producerId, producerEpoch };
  } catch (error) {
    return { errorCode: toKafkaCode(error), producerId: -1n, producerEpoch: -1 };
  }
};
