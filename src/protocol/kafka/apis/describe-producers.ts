// DescribeProducers (key 61), v0. Flexible from v0.
//
// DescribeProducersRequest v0
//   topics  [ name string, partition_indexes [int32] ]
//
// DescribeProducersResponse v0
//   throttle_time_ms  int32
//   topics            [ name        string
//                       partitions  [ partition_index   int32
//                                     error_code        int16
//                                     error_message     nullable_string
//                                     active_producers  [ producer_id int64, producer_epoch int32,
//                                                         last_sequence int32, last_timestamp int64,
//                                                         coordinator_epoch int32,
//                                                         current_txn_start_offset int64 ] ] ]

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 61, name: "DescribeProducers", min: 0, max: 0, flexibleFrom: 0 };

export interface DescribeProducersRequest {
  topics: { name: string; partitionIndexes: number[] }[];
}
export interface ActiveProducer {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: bigint;
  coordinatorEpoch: number;
  currentTxnStartOffset: bigint;
}
export interface DescribeProducersResponse {
  throttleTimeMs?: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; errorCode: number; errorMessage: string | null; activeProducers: ActiveProducer[] }[];
  }[];
}

const request = [
  f("topics", arr(struct([f("name", "string", "0+"), f("partitionIndexes", arr("int32"), "0+")])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      f("activeProducers", arr(struct([
        f("producerId", "int64", "0+"),
        f("producerEpoch", "int32", "0+"),
        f("lastSequence", "int32", "0+", { default: -1 }),
        f("lastTimestamp", "int64", "0+", { default: -1n }),
        f("coordinatorEpoch", "int32", "0+"),
        f("currentTxnStartOffset", "int64", "0+", { default: -1n }),
      ])), "0+"),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DescribeProducersRequest, DescribeProducersResponse>(
  versions,
  request,
  response,
);
