// TxnOffsetCommit (key 28), v0-5. 3+ is flexible.
//
// TxnOffsetCommitRequest v0-5
//   transactional_id   string
//   group_id           string
//   producer_id        int64
//   producer_epoch     int16
//   generation_id      int32            v3+ (default -1)
//   member_id          string           v3+ (default "")
//   group_instance_id  nullable_string  v3+ (default null)
//   topics             [ name string, partitions [ partition_index int32, committed_offset int64,
//                        committed_leader_epoch int32 v2+ (default -1), committed_metadata nullable_string ] ]
//
// TxnOffsetCommitResponse v0-5
//   throttle_time_ms  int32
//   topics            [ name string, partitions [ partition_index int32, error_code int16 ] ]
//
// Version notes: v1 throttling; v2 committed_leader_epoch; v3 flexible and the group membership fields
// (KIP-447); v4 TRANSACTION_ABORTABLE (never sent here); v5 the same bytes as v4, sent by a transactions v2
// producer (KIP-890 part 2): the group's offsets join the transaction without AddOffsetsToTxn.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 28, name: "TxnOffsetCommit", min: 0, max: 5, flexibleFrom: 3 };

export interface TxnOffsetCommitPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch?: number;
  committedMetadata: string | null;
}
export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  topics: { name: string; partitions: TxnOffsetCommitPartition[] }[];
}
export interface TxnOffsetCommitResponse {
  throttleTimeMs?: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

const request = [
  f("transactionalId", "string", "0+"),
  f("groupId", "string", "0+"),
  f("producerId", "int64", "0+"),
  f("producerEpoch", "int16", "0+"),
  f("generationId", "int32", "3+", { default: -1 }),
  f("memberId", "string", "3+", { default: "" }),
  f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("committedOffset", "int64", "0+"),
      f("committedLeaderEpoch", "int32", "2+", { default: -1 }),
      f("committedMetadata", "string", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("partitions", arr(struct([f("partitionIndex", "int32", "0+"), f("errorCode", "int16", "0+")])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(
  versions,
  request,
  response,
);
