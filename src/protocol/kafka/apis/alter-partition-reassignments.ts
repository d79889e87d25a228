// AlterPartitionReassignments (key 45), v0-1 (KIP-455; v1 KIP-860). Flexible from v0.
//
// AlterPartitionReassignmentsRequest
//   timeout_ms                       int32            (default 60000)
//   allow_replication_factor_change  bool             v1+ (default true)
//   topics  [ name        string
//             partitions  [ partition_index int32, replicas [int32] (nullable: null cancels) ] ]
//
// AlterPartitionReassignmentsResponse
//   throttle_time_ms                 int32
//   allow_replication_factor_change  bool             v1+ (default true)
//   error_code                       int16
//   error_message                    nullable_string
//   responses  [ name        string
//                partitions  [ partition_index int32, error_code int16, error_message nullable_string ] ]

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 45, name: "AlterPartitionReassignments", min: 0, max: 1, flexibleFrom: 0 };

export interface AlterPartitionReassignmentsRequest {
  timeoutMs?: number;
  allowReplicationFactorChange?: boolean;
  topics: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[];
}
export interface AlterPartitionReassignmentsResponse {
  throttleTimeMs?: number;
  allowReplicationFactorChange?: boolean;
  errorCode: number;
  errorMessage?: string | null;
  responses: { name: string; partitions: { partitionIndex: number; errorCode: number; errorMessage: string | null }[] }[];
}

const request = [
  f("timeoutMs", "int32", "0+", { default: 60000 }),
  f("allowReplicationFactorChange", "bool", "1+", { default: true }),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("replicas", arr("int32"), "0+", { nullable: "0+", default: null }),
    ])), "0+"),
  ])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("allowReplicationFactorChange", "bool", "1+", { default: true }),
  f("errorCode", "int16", "0+"),
  f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  f("responses", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>(
  versions,
  request,
  response,
);
