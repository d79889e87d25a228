// ListTransactions (key 66), v0-1. Flexible from v0 (KIP-664).
//
// ListTransactionsRequest v0-1
//   state_filters        [string]
//   producer_id_filters  [int64]
//   duration_filter      int64    v1+ (default -1: none; else only transactions running longer, KIP-994)
//
// ListTransactionsResponse v0-1
//   throttle_time_ms       int32
//   error_code             int16
//   unknown_state_filters  [string]
//   transaction_states     [ transactional_id string, producer_id int64, transaction_state string ]

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 66, name: "ListTransactions", min: 0, max: 1, flexibleFrom: 0 };

export interface ListTransactionsRequest {
  stateFilters: string[];
  producerIdFilters: bigint[];
  durationFilter?: bigint;
}
export interface ListTransactionsResponse {
  throttleTimeMs?: number;
  errorCode: number;
  unknownStateFilters: string[];
  transactionStates: { transactionalId: string; producerId: bigint; transactionState: string }[];
}

const request = [
  f("stateFilters", arr("string"), "0+"),
  f("producerIdFilters", arr("int64"), "0+"),
  f("durationFilter", "int64", "1+", { default: -1n }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "0+"),
  f("unknownStateFilters", arr("string"), "0+"),
  f("transactionStates", arr(struct([
    f("transactionalId", "string", "0+"),
    f("producerId", "int64", "0+"),
    f("transactionState", "string", "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<ListTransactionsRequest, ListTransactionsResponse>(
  versions,
  request,
  response,
);
