// DeleteRecords (key 21), v0-2. 2 is flexible.
//
// DeleteRecordsRequest v0-2
//   topics      [ name string, partitions [ partition_index int32, offset int64 (-1 = high watermark) ] ]
//   timeout_ms  int32
//
// DeleteRecordsResponse v0-2
//   throttle_time_ms  int32
//   topics            [ name string, partitions [ partition_index int32, low_watermark int64, error_code int16 ] ]
//
// Version notes: v1 throttling; v2 flexible.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 21, name: "DeleteRecords", min: 0, max: 2, flexibleFrom: 2 };

export interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partitionIndex: number; offset: bigint }[] }[];
  timeoutMs: number;
}
export interface DeleteRecordsResponse {
  throttleTimeMs?: number;
  topics: { name: string; partitions: { partitionIndex: number; lowWatermark: bigint; errorCode: number }[] }[];
}

const request = [
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([f("partitionIndex", "int32", "0+"), f("offset", "int64", "0+")])), "0+"),
  ])), "0+"),
  f("timeoutMs", "int32", "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("lowWatermark", "int64", "0+"),
      f("errorCode", "int16", "0+"),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DeleteRecordsRequest, DeleteRecordsResponse>(
  versions,
  request,
  response,
);
