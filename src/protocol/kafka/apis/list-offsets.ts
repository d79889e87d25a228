// ListOffsets (key 2), v1-10. v0 (old_style_offsets) is not served; 6+ is flexible.
//
// ListOffsetsRequest v1-10
//   replica_id       int32      -1 for consumers
//   isolation_level  int8       v2+
//   topics           [ name        string
//                      partitions  [ partition_index       int32
//                                    current_leader_epoch  int32   v4+ (default -1)
//                                    timestamp             int64 ] ]   -1 latest, -2 earliest, -3 max timestamp (v7+),
//                                                                      -4 earliest local (v8+), -5 tiered (v9+)
//   timeout_ms       int32      v10+
//
// ListOffsetsResponse v1-10
//   throttle_time_ms  int32     v2+
//   topics            [ name        string
//                       partitions  [ partition_index  int32
//                                     error_code       int16
//                                     timestamp        int64   (default -1)
//                                     offset           int64   (default -1)
//                                     leader_epoch     int32   v4+ (default -1) ] ]
//
// Version notes: v2 isolation_level; v3 throttling; v4 leader epochs (KIP-320); v5 no change; v6
// flexible; v7 MAX_TIMESTAMP (KIP-734); v8 EARLIEST_LOCAL (KIP-405); v9 LATEST_TIERED (KIP-1005);
// v10 timeout_ms (KIP-1075).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 2, name: "ListOffsets", min: 1, max: 10, flexibleFrom: 6 };

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: ListOffsetsTopic[];
  /** v10+, default 0. */
  timeoutMs?: number;
}
export interface ListOffsetsTopic {
  name: string;
  partitions: { partitionIndex: number; currentLeaderEpoch?: number; timestamp: bigint }[];
}
export interface ListOffsetsResponse {
  /** v2+, default 0. */
  throttleTimeMs?: number;
  topics: ListOffsetsTopicResponse[];
}
export interface ListOffsetsTopicResponse {
  name: string;
  partitions: ListOffsetsPartitionResponse[];
}
export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  /** Default -1. */
  timestamp?: bigint;
  /** Default -1. */
  offset?: bigint;
  /** v4+, default -1. */
  leaderEpoch?: number;
}

const request = [
  f("replicaId", "int32", "0+"),
  f("isolationLevel", "int8", "2+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("currentLeaderEpoch", "int32", "4+", { default: -1 }),
      f("timestamp", "int64", "0+"),
    ])), "0+"),
  ])), "0+"),
  f("timeoutMs", "int32", "10+"),
];

const response = [
  f("throttleTimeMs", "int32", "2+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("errorCode", "int16", "0+"),
      f("timestamp", "int64", "1+", { default: -1n }),
      f("offset", "int64", "1+", { default: -1n }),
      f("leaderEpoch", "int32", "4+", { default: -1 }),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<ListOffsetsRequest, ListOffsetsResponse>(
  versions,
  request,
  response,
);
