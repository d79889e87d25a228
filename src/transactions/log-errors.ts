// A failed write to the transaction log, as a Kafka error code the front ends answer with (the Kafka door's
// transaction handlers, and the transactional produce check of both doors: produce-check.ts), and as the
// log line an operator sees (the clients only see a retriable code, and retry).

import { KafkaErrors, toKafkaCode } from "../errors/index.js";
import type { Logger } from "../log.js";

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

/** Beyond this many ids failing at once, the oldest is forgotten (it logs again if it fails again). */
const MAX_FAILING_IDS = 10_000;

/**
 * Logs the coordinator's failed transaction-log writes, per transactional id: a warning when an id's writes
 * start failing (or fail with another code), debug while the same failure repeats, info once a write of
 * the id succeeds again. Clients retry a refused write every few milliseconds, so a full disk would
 * otherwise fill the journal with one line per retry.
 */
export class TxnLogWriteFailures {
  /** Transactional id -> the Kafka code of its last failed write; removed by its next successful write. */
  private readonly failing = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  failed(transactionalId: string, error: unknown): void {
    const errorCode = toKafkaCode(error);
    const fields = { transactionalId, errorCode, error: String((error as Error)?.message ?? error) };
    if (this.failing.get(transactionalId) === errorCode) return this.logger.debug("transaction log write failed again", fields);
    this.failing.delete(transactionalId);
    if (this.failing.size >= MAX_FAILING_IDS) this.failing.delete(this.failing.keys().next().value!);
    this.failing.set(transactionalId, errorCode);
    this.logger.warn("transaction log write failed; the transaction's requests get a retriable error until a write succeeds", fields);
  }

  succeeded(transactionalId: string): void {
    if (this.failing.delete(transactionalId)) this.logger.info("transaction log writes succeed again", { transactionalId });
  }
}
