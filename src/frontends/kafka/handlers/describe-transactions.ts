// DescribeTransactions (key 65), v0.
//
// Behavior: per id its state name (Kafka's: Empty, Ongoing, PrepareCommit, ...), timeout, start time (-1
// when none is open), producer id and epoch, and the partitions of the open transaction; unknown ids get
// TRANSACTIONAL_ID_NOT_FOUND; no coordinator: COORDINATOR_NOT_AVAILABLE.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDescribeTransactions: Handler<typeof ApiKey.DescribeTransactions> = (ctx, request) => {
  if (!ctx.transactions) {
    return {
      transactionStates: request.transactionalIds.map((transactionalId) => ({
        errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
        transactionalId,
        transactionState: "",
        transactionTimeoutMs: 0,
        transactionStartTimeMs: -1n,
        producerId: -1n,
        producerEpoch: -1,
        topics: [],
      })),
    };
  }
  return { transactionStates: ctx.transactions.describe(request.transactionalIds) };
};
