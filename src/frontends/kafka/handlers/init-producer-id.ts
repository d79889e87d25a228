// InitProducerId (key 22), v0-6.
//
// Behavior:
// - No transactional id: a new producer id (durable, never reused) with epoch 0. librdkafka and kafkajs ask
//   once per producer instance; dedup state lives per (producer id, partition) in the shards.
// - A transactional id: the transaction coordinator (src/transactions/coordinator.ts) answers: the id's
//   producer id with its epoch bumped (fencing the previous instance, aborting its open transaction), or a
//   new producer id at epoch 0 for a new id; INVALID_TRANSACTION_TIMEOUT for a timeout above
//   transaction.max.timeout.ms; PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v4) when a v3+ request names
//   a producer id/epoch that is no longer current; COORDINATOR_NOT_AVAILABLE without a coordinator.
// - v6 (KIP-939 two-phase commit): Rivulet has no 2PC, which is Kafka 4.1 with
//   transaction.two.phase.commit.enable=false (its default). For a transactional id, as Kafka 4.1's
//   TransactionCoordinator.handleInitProducerId orders it: "" → INVALID_REQUEST (the coordinator's);
//   enable_2pc=true → TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53; an authorization error, so a client
//   cannot probe the setting); keep_prepared_txn=true → UNSUPPORTED_VERSION (35: 4.1 has not implemented
//   it). Without a transactional id both flags are ignored (a plain idempotent producer id). Errors carry
//   producer id and epoch -1; ongoing_txn_producer_id/epoch are always -1 (no kept transaction).
// Version notes: v1 only changes throttling; v2+ is flexible; v3 producer id/epoch (KIP-360); v4
// PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE (never sent); v6 the 2PC fields above.

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { fencedFor } from "./txn-errors.js";

export const handleInitProducerId: Handler<typeof ApiKey.InitProducerId> = async (ctx, request, info) => {
  if (request.transactionalId !== null) {
    if (!ctx.transactions) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, producerId: -1n, producerEpoch: -1 };
    if (request.transactionalId !== "") {
      if (request.enable2Pc) return { errorCode: KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code, producerId: -1n, producerEpoch: -1 };
      if (request.keepPreparedTxn) return { errorCode: KafkaErrors.UNSUPPORTED_VERSION.code, producerId: -1n, producerEpoch: -1 };
    }
    const result = await ctx.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, {
      producerId: request.producerId ?? -1n,
      producerEpoch: request.producerEpoch ?? -1,
    });
    return { ...result, errorCode: fencedFor(result.errorCode, info.header.apiVersion, 4) };
  }
  try {
    const { producerId, producerEpoch } = ctx.broker.initProducerId();
    return { errorCode: KafkaErrors.NONE.code, producerId, producerEpoch };
  } catch (error) {
    return { errorCode: toKafkaCode(error), producerId: -1n, producerEpoch: -1 };
  }
};
