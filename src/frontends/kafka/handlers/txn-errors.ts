// Error codes the transaction APIs answer older clients with: PRODUCER_FENCED (90) exists from
// InitProducerId v4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2 on; earlier versions get
// INVALID_PRODUCER_EPOCH (47), as Kafka's KafkaApis converts it.

import { KafkaErrors } from "../../../errors/index.js";

export function fencedFor(errorCode: number, version: number, firstVersionWithFenced: number): number {
  return errorCode === KafkaErrors.PRODUCER_FENCED.code && version < firstVersionWithFenced ? KafkaErrors.INVALID_PRODUCER_EPOCH.code : errorCode;
}

// txnLogErrorCode lives with the transactions (the WebSocket door's transactional PRODUCE uses it too).
export { txnLogErrorCode } from "../../../transactions/log-errors.js";
