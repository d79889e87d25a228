// DescribeTransactions (key 65), v0. Flexible from v0 (KIP-664).
//
// DescribeTransactionsRequest v0
//   transactional_ids  [string]
//
// DescribeTransactionsResponse v0
//   throttle_time_ms    int32
//   transaction_states  [ error_code int16, transactional_id string, transaction_state string,
//                         transaction_timeout_ms int32, transaction_start_time_ms int64, producer_id int64,
//                         producer_epoch int16, topics [ topic string, partitions [int32] ] ]

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 65, name: "DescribeTransactions", min: 0, max: 0, flexibleFrom: 0 };

export interface DescribeTransactionsRequest {
  transactionalIds: string[];
}
export interface TransactionStateDescription {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: bigint;
  producerId: bigint;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}
export interface DescribeTransactionsResponse {
  throttleTimeMs?: number;
  transactionStates: TransactionStateDescription[];
}

const request = [f("transactionalIds", arr("string"), "0+")];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("transactionStates", arr(struct([
    f("errorCode", "int16", "0+"),
    f("transactionalId", "string", "0+"),
    f("transactionState", "string", "0+"),
    f("transactionTimeoutMs", "int32", "0+"),
    f("transactionStartTimeMs", "int64", "0+"),
    f("producerId", "int64", "0+"),
    f("producerEpoch", "int16", "0+"),
    f("topics", arr(struct([f("topic", "string", "0+"), f("partitions", arr("int32"), "0+")])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DescribeTransactionsRequest, DescribeTransactionsResponse>(
  versions,
  request,
  response,
);
