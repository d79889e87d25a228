// AddPartitionsToTxn (key 24), v0-3. 3+ is flexible. v4+ (KIP-890: batched transactions and verify_only,
// sent broker to broker) is not implemented: clients use v0-3.
//
// AddPartitionsToTxnRequest v0-3
//   transactional_id  string
//   producer_id       int64
//   producer_epoch    int16
//   topics            [ name string, partitions [int32] ]
//
// AddPartitionsToTxnResponse v0-3
//   throttle_time_ms  int32
//   results           [ name string, results [ partition_index int32, partition_error_code int16 ] ]
//
// Version notes: v1 same as v0 (throttling); v2 PRODUCER_FENCED may be returned; v3 flexible.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 24, name: "AddPartitionsToTxn", min: 0, max: 3, flexibleFrom: 3 };

export interface AddPartitionsToTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  topics: { name: string; partitions: number[] }[];
}
export interface AddPartitionsToTxnResponse {
  throttleTimeMs?: number;
  results: { name: string; results: { partitionIndex: number; partitionErrorCode: number }[] }[];
}

const request = [
  f("transactionalId", "string", "0+"),
  f("producerId", "int64", "0+"),
  f("producerEpoch", "int16", "0+"),
  f("topics", arr(struct([f("name", "string", "0+"), f("partitions", arr("int32"), "0+")])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("results", arr(struct([
    f("name", "string", "0+"),
    f("results", arr(struct([f("partitionIndex", "int32", "0+"), f("partitionErrorCode", "int16", "0+")])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(
  versions,
  request,
  response,
);
