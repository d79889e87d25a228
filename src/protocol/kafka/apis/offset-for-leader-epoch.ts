// OffsetForLeaderEpoch (key 23), v0-4. 4 is flexible.
//
// OffsetForLeaderEpochRequest v0-4
//   replica_id  int32   v3+ (-1 consumers, -2 debug; default -2)
//   topics      [ topic string, partitions [ partition int32, current_leader_epoch int32 v2+, leader_epoch int32 ] ]
//
// OffsetForLeaderEpochResponse v0-4
//   throttle_time_ms  int32   v2+
//   topics            [ topic string, partitions [ error_code int16, partition int32,
//                                                  leader_epoch int32 v1+, end_offset int64 ] ]
//
// Version notes: v1 leader_epoch in the response; v2 current_leader_epoch and throttle (KIP-320); v3
// replica_id; v4 flexible.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 23, name: "OffsetForLeaderEpoch", min: 0, max: 4, flexibleFrom: 4 };

export interface OffsetForLeaderEpochRequest {
  /** v3+, default -2. */
  replicaId?: number;
  topics: { topic: string; partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[] }[];
}
export interface OffsetForLeaderEpochResponse {
  throttleTimeMs?: number;
  topics: { topic: string; partitions: { errorCode: number; partition: number; leaderEpoch: number; endOffset: bigint }[] }[];
}

const request = [
  f("replicaId", "int32", "3+", { default: -2 }),
  f("topics", arr(struct([
    f("topic", "string", "0+"),
    f("partitions", arr(struct([
      f("partition", "int32", "0+"),
      f("currentLeaderEpoch", "int32", "2+", { default: -1 }),
      f("leaderEpoch", "int32", "0+"),
    ])), "0+"),
  ])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "2+"),
  f("topics", arr(struct([
    f("topic", "string", "0+"),
    f("partitions", arr(struct([
      f("errorCode", "int16", "0+"),
      f("partition", "int32", "0+"),
      f("leaderEpoch", "int32", "1+", { default: -1 }),
      f("endOffset", "int64", "0+", { default: -1n }),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse
>(versions, request, response);
