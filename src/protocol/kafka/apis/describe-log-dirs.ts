// DescribeLogDirs (key 35), v0-4. 2+ is flexible.
//
// DescribeLogDirsRequest v0-4
//   topics  nullable [ topic string, partitions [int32] ]   (null = every partition)
//
// DescribeLogDirsResponse v0-4
//   throttle_time_ms  int32
//   error_code        int16   v3+
//   results           [ error_code     int16
//                       log_dir        string
//                       topics         [ name string, partitions [ partition_index int32, partition_size int64,
//                                                                   offset_lag int64, is_future_key bool ] ]
//                       total_bytes    int64   v4+ (-1 = unknown)
//                       usable_bytes   int64   v4+ (-1 = unknown) ]
//
// Version notes: v1 throttling; v2 flexible; v3 top-level error_code; v4 total/usable bytes (KIP-827).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 35, name: "DescribeLogDirs", min: 0, max: 4, flexibleFrom: 2 };

export interface DescribeLogDirsRequest {
  topics: { topic: string; partitions: number[] }[] | null;
}
export interface DescribeLogDirsResult {
  errorCode: number;
  logDir: string;
  topics: { name: string; partitions: { partitionIndex: number; partitionSize: bigint; offsetLag: bigint; isFutureKey: boolean }[] }[];
  totalBytes?: bigint;
  usableBytes?: bigint;
}
export interface DescribeLogDirsResponse {
  throttleTimeMs?: number;
  /** v3+, default 0. */
  errorCode?: number;
  results: DescribeLogDirsResult[];
}

const request = [
  f("topics", arr(struct([f("topic", "string", "0+"), f("partitions", arr("int32"), "0+")])), "0+", { nullable: "0+" }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "3+"),
  f("results", arr(struct([
    f("errorCode", "int16", "0+"),
    f("logDir", "string", "0+"),
    f("topics", arr(struct([
      f("name", "string", "0+"),
      f("partitions", arr(struct([
        f("partitionIndex", "int32", "0+"),
        f("partitionSize", "int64", "0+"),
        f("offsetLag", "int64", "0+"),
        f("isFutureKey", "bool", "0+"),
      ])), "0+"),
    ])), "0+"),
    f("totalBytes", "int64", "4+", { default: -1n }),
    f("usableBytes", "int64", "4+", { default: -1n }),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DescribeLogDirsRequest, DescribeLogDirsResponse>(
  versions,
  request,
  response,
);
