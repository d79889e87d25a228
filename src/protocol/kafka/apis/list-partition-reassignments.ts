// ListPartitionReassignments (key 46), v0 (KIP-455). Flexible from v0.
//
// ListPartitionReassignmentsRequest v0
//   timeout_ms  int32 (default 60000)
//   topics      [ name string, partition_indexes [int32] ] (nullable: null lists every reassignment)
//
// ListPartitionReassignmentsResponse v0
//   throttle_time_ms  int32
//   error_code        int16
//   error_message     nullable_string
//   topics            [ name        string
//                       partitions  [ partition_index int32, replicas [int32], adding_replicas [int32],
//                                     removing_replicas [int32] ] ]

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 46, name: "ListPartitionReassignments", min: 0, max: 0, flexibleFrom: 0 };

export interface ListPartitionReassignmentsRequest {
  timeoutMs?: number;
  topics: { name: string; partitionIndexes: number[] }[] | null;
}
export interface OngoingPartitionReassignment {
  partitionIndex: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}
export interface ListPartitionReassignmentsResponse {
  throttleTimeMs?: number;
  errorCode: number;
  errorMessage?: string | null;
  topics: { name: string; partitions: OngoingPartitionReassignment[] }[];
}

const request = [
  f("timeoutMs", "int32", "0+", { default: 60000 }),
  f("topics", arr(struct([f("name", "string", "0+"), f("partitionIndexes", arr("int32"), "0+")])), "0+", { nullable: "0+", default: null }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "0+"),
  f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("replicas", arr("int32"), "0+"),
      f("addingReplicas", arr("int32"), "0+"),
      f("removingReplicas", arr("int32"), "0+"),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>(
  versions,
  request,
  response,
);
