// TxnOffsetCommit (key 28), v0-5.
//
// Behavior: the group is checked as OffsetCommit checks it when the request names a generation or member
// (v3+, KIP-447); v0-2 requests carry none and are not checked. The offsets are held in the transaction
// (durably, in __transaction_state) and written to __consumer_offsets only when it commits, so OffsetFetch
// does not see them before. A fenced epoch: INVALID_PRODUCER_EPOCH; no open transaction: INVALID_TXN_STATE;
// errors other than per-partition ones apply to every partition.
// v5 (transactions v2): no AddOffsetsToTxn precedes it; the group's __consumer_offsets partition joins the
// transaction here, starting one if none is open (CONCURRENT_TRANSACTIONS while the previous end is written).
// Offsets that cannot be written to the transaction log (full disk): NOT_COORDINATOR on every partition.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { txnLogErrorCode } from "./txn-errors.js";

export const handleTxnOffsetCommit: Handler<typeof ApiKey.TxnOffsetCommit> = async (ctx, request, info) => {
  const implicitAdd = info.header.apiVersion >= 5;
  const result = ctx.transactions ? await ctx.transactions.txnOffsetCommit(request, false, implicitAdd).catch(txnLogErrorCode) : KafkaErrors.COORDINATOR_NOT_AVAILABLE.code;
  return {
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: typeof result === "number" ? result : (result.get(t.name)?.get(p.partitionIndex) ?? KafkaErrors.UNKNOWN_SERVER_ERROR.code),
      })),
    })),
  };
};
