// OffsetDelete (key 47), v0 (never flexible).
//
// OffsetDeleteRequest v0
//   group_id  string
//   topics    [ name string, partitions [ partition_index int32 ] ]
//
// OffsetDeleteResponse v0
//   error_code        int16
//   throttle_time_ms  int32
//   topics            [ name string, partitions [ partition_index int32, error_code int16 ] ]

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 47, name: "OffsetDelete", min: 0, max: 0, flexibleFrom: Infinity };

export interface OffsetDeleteRequest {
  groupId: string;
  topics: { name: string; partitions: { partitionIndex: number }[] }[];
}
export interface OffsetDeleteResponse {
  errorCode: number;
  throttleTimeMs?: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

const request = [
  f("groupId", "string", "0+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([f("partitionIndex", "int32", "0+")])), "0+"),
  ])), "0+"),
];

const response = [
  f("errorCode", "int16", "0+"),
  f("throttleTimeMs", "int32", "0+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([f("partitionIndex", "int32", "0+"), f("errorCode", "int16", "0+")])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<OffsetDeleteRequest, OffsetDeleteResponse>(
  versions,
  request,
  response,
);
