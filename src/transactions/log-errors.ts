// A failed write to the transaction log, as a Kafka error code the front ends answer with (the Kafka door's
// transaction handlers, and the transactional produce check of both doors: produce-check.ts).

import { KafkaErrors, toKafkaCode } from "../errors/index.js";

/**
 * A failed write to the transaction log (a state change the coordinator could not make durable: a full
 * disk, a lost leadership) as Kafka's TransactionStateManager converts it, so the client retries or looks
 * for the coordinator again instead of losing its connection: KAFKA_STORAGE_ERROR and
 * NOT_LEADER_OR_FOLLOWER → NOT_COORDINATOR; missing partition, too few replicas, timeout →
 * COORDINATOR_NOT_AVAILABLE; a record too large → UNKNOWN_SERVER_ERROR; anything else its own code.
 */
export function txnLogErrorCode(error: unknown): number {
  const code = toKafkaCode(error);
  switch (code) {
    case KafkaErrors.KAFKA_STORAGE_ERROR.code:
    case KafkaErrors.NOT_LEADER_OR_FOLLOWER.code:
      return KafkaErrors.NOT_COORDINATOR.code;
    case KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code:
    case KafkaErrors.NOT_ENOUGH_REPLICAS.code:
    case KafkaErrors.NOT_ENOUGH_REPLICAS_AFTER_APPEND.code:
    case KafkaErrors.REQUEST_TIMED_OUT.code:
      return KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
    case KafkaErrors.MESSAGE_TOO_LARGE.code:
    case KafkaErrors.RECORD_LIST_TOO_LARGE.code:
      return KafkaErrors.UNKNOWN_SERVER_ERROR.code;
    default:
      return code;
  }
}
