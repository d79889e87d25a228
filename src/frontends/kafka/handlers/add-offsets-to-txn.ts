// AddOffsetsToTxn (key 25), v0-4.
//
// Behavior: the group's __consumer_offsets partition joins the transaction (its offsets are then sent with
// TxnOffsetCommit). Errors as AddPartitionsToTxn; COORDINATOR_NOT_AVAILABLE without a transaction or group
// coordinator.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { fencedFor, txnLogErrorCode } from "./txn-errors.js";

export const handleAddOffsetsToTxn: Handler<typeof ApiKey.AddOffsetsToTxn> = async (ctx, request, info) => {
  if (!ctx.transactions) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code };
  // A state change that cannot be written (full disk): the converted append error (NOT_COORDINATOR).
  const code = await ctx.transactions.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId).catch(txnLogErrorCode);
  return { errorCode: fencedFor(code, info.header.apiVersion, 2) };
};
