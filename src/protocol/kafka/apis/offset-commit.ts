// OffsetCommit (key 8), v2-9. 8+ is flexible.
//
// OffsetCommitRequest v2-9
//   group_id                      string
//   generation_id_or_member_epoch int32            (default -1)
//   member_id                     string
//   group_instance_id             nullable_string  v7+
//   retention_time_ms             int64            v2-4 (default -1)
//   topics                        [ name        string
//                                   partitions  [ partition_index         int32
//                                                 committed_offset        int64
//                                                 committed_leader_epoch  int32   v6+ (default -1)
//                                                 committed_metadata      nullable_string ] ]
//
// OffsetCommitResponse v2-9
//   throttle_time_ms  int32   v3+
//   topics            [ name string, partitions [ partition_index int32, error_code int16 ] ]
//
// Version notes: v3 throttle; v4 no change; v5 drops retention_time_ms; v6 committed_leader_epoch; v7
// group_instance_id (KIP-345); v8 flexible; v9 member epochs of KIP-848 groups (same wire); v10 (Kafka 4.1)
// names topics by id (topic_id uuid replaces name, in the request and the response).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 8, name: "OffsetCommit", min: 2, max: 10, flexibleFrom: 8 };

export interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  retentionTimeMs: bigint;
  topics: OffsetCommitTopic[];
}
export interface OffsetCommitTopic {
  /** v0-9 ("" from v10). */
  name: string;
  /** v10+ (Kafka 4.1, KIP-848): the topic by id instead of name. */
  topicId?: Uint8Array;
  partitions: OffsetCommitPartition[];
}
export interface OffsetCommitPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}
export interface OffsetCommitResponse {
  /** v3+, default 0. */
  throttleTimeMs?: number;
  topics: { name: string; topicId?: Uint8Array; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

const request = [
  f("groupId", "string", "0+"),
  f("generationIdOrMemberEpoch", "int32", "1+", { default: -1 }),
  f("memberId", "string", "1+"),
  f("groupInstanceId", "string", "7+", { nullable: "7+", default: null }),
  f("retentionTimeMs", "int64", "2-4", { default: -1n }),
  f("topics", arr(struct([
    f("name", "string", "0-9"),
    f("topicId", "uuid", "10+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("committedOffset", "int64", "0+"),
      f("committedLeaderEpoch", "int32", "6+", { default: -1 }),
      f("committedMetadata", "string", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "3+"),
  f("topics", arr(struct([
    f("name", "string", "0-9"),
    f("topicId", "uuid", "10+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("errorCode", "int16", "0+"),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<OffsetCommitRequest, OffsetCommitResponse>(
  versions,
  request,
  response,
);
