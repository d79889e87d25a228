// AddPartitionsToTxn (key 24), v0-3.
//
// Behavior: the transaction coordinator (src/transactions/coordinator.ts) adds the partitions to the id's
// transaction (starting it if none is open). Errors apply to every partition: INVALID_PRODUCER_ID_MAPPING,
// PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v2), CONCURRENT_TRANSACTIONS while the previous end is
// being written; unknown partitions get UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
// No coordinator: COORDINATOR_NOT_AVAILABLE. A state change that cannot be written (full disk): every
// partition gets the converted append error (txnLogErrorCode: NOT_COORDINATOR), nothing is added.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { fencedFor, txnLogErrorCode } from "./txn-errors.js";

export const handleAddPartitionsToTxn: Handler<typeof ApiKey.AddPartitionsToTxn> = async (ctx, request, info) => {
  const version = info.header.apiVersion;
  let failed: number | undefined;
  const codes = ctx.transactions
    ? await ctx.transactions.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, request.topics).catch((error: unknown) => {
        failed = txnLogErrorCode(error);
        return undefined;
      })
    : undefined;
  return {
    results: request.topics.map((t) => ({
      name: t.name,
      results: t.partitions.map((p) => ({
        partitionIndex: p,
        partitionErrorCode: fencedFor(failed ?? codes?.get(t.name)?.get(p) ?? KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, version, 2),
      })),
    })),
  };
};
