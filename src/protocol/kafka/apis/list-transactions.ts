// ListTransactions (key 66), v0-2. Flexible from v0 (KIP-664).
//
// ListTransactionsRequest v0-2
//   state_filters             [string]
//   producer_id_filters       [int64]
//   duration_filter           int64            v1+ (default -1: none; else only transactions running
//                                              longer, KIP-994)
//   transactional_id_pattern  nullable_string  v2+ (default null: none; else a regular expression the
//                                              whole transactional id must match, KIP-1152)
//
// ListTransactionsResponse v0-2 (v2 is the same as v1; it may carry INVALID_REGULAR_EXPRESSION, 128)
//   throttle_time_ms       int32
//   error_code             int16
//   unknown_state_filters  [string]
//   transaction_states     [ transactional_id string, producer_id int64, transaction_state string ]
//
// v2 (Kafka 4.1) cross-checked in the 4.1 branch JSON of Aiven's inkless fork (rlaidet/inkless,
// 4.1.0-SNAPSHOT) and tychedelia/kafka-protocol-rs's code generated from the 4.1.0 tag.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 66, name: "ListTransactions", min: 0, max: 2, flexibleFrom: 0 };

export interface ListTransactionsRequest {
  stateFilters: string[];
  producerIdFilters: bigint[];
  durationFilter?: bigint;
  /** v2+, default null. */
  transactionalIdPattern?: string | null;
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
  f("transactionalIdPattern", "string", "2+", { nullable: "2+", default: null }),
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
