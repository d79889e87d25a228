// EndTxn (key 26), v0-5.
//
// Behavior: commits or aborts the open transaction: PrepareCommit/PrepareAbort written, markers on every
// partition, the pending offsets committed (commit only), CompleteCommit/CompleteAbort written, then the
// answer (src/transactions/coordinator.ts). A retry of a finished end answers NONE; the opposite end or no
// open transaction INVALID_TXN_STATE; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH below v2.
// v5 (transactions v2): the end bumps the epoch (markers at the new one) and the response carries the
// producer id and epoch to use next; an abort with nothing open is allowed; retries are told apart by the
// epoch (src/transactions/end-v2.ts). Errors carry producer id -1 and epoch -1.
// A decision that cannot be written (full disk) answers Kafka's conversion of the append error
// (KAFKA_STORAGE_ERROR → NOT_COORDINATOR) and leaves the transaction open at its epoch: the same request
// succeeds once the coordinator can write again.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { fencedFor, txnLogErrorCode } from "./txn-errors.js";

export const handleEndTxn: Handler<typeof ApiKey.EndTxn> = async (ctx, request, info) => {
  if (!ctx.transactions) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, producerId: -1n, producerEpoch: -1 };
  try {
    if (info.header.apiVersion >= 5) return await ctx.transactions.endTxnV2(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    const code = await ctx.transactions.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    return { errorCode: fencedFor(code, info.header.apiVersion, 2) };
  } catch (error) {
    return { errorCode: txnLogErrorCode(error), producerId: -1n, producerEpoch: -1 };
  }
};
