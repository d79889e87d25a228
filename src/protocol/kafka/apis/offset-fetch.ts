// OffsetFetch (key 9), v1-9. 6+ is flexible; 8+ batches several groups in one request.
//
// OffsetFetchRequest v1-9
//   group_id        string                         v1-7
//   topics          nullable [ name string, partition_indexes [int32] ]   v1-7 (null = all, v2+)
//   groups          [ group_id      string                                v8+
//                     member_id     nullable_string   v9+ (default null)
//                     member_epoch  int32             v9+ (default -1)
//                     topics        nullable [ name string, partition_indexes [int32] ] ]
//   require_stable  bool                           v7+
//
// OffsetFetchResponse v1-9
//   throttle_time_ms  int32                        v3+
//   topics            [ name        string                                v1-7
//                       partitions  [ partition_index         int32
//                                     committed_offset        int64
//                                     committed_leader_epoch  int32   v5-7 (default -1)
//                                     metadata                nullable_string
//                                     error_code              int16 ] ]
//   error_code        int16                        v2-7
//   groups            [ group_id string                                  v8+
//                       topics [ name string, partitions [ partition_index int32, committed_offset int64,
//                                committed_leader_epoch int32, metadata nullable_string, error_code int16 ] ]
//                       error_code int16 ]
//
// Version notes: v2 null topics = all, top-level error_code; v3 throttle; v4 no change; v5 leader epoch;
// v6 flexible; v7 require_stable (KIP-447); v8 many groups (KIP-709); v9 member id/epoch (KIP-848); v10
// (Kafka 4.1) topics by id: topic_id uuid replaces name in the groups' topics, request and response.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 9, name: "OffsetFetch", min: 1, max: 10, flexibleFrom: 6 };

export interface OffsetFetchRequestTopic {
  /** "" from v10. */
  name: string;
  /** v10+ (Kafka 4.1): the topic by id instead of name. */
  topicId?: Uint8Array;
  partitionIndexes: number[];
}
export interface OffsetFetchRequestGroup {
  groupId: string;
  /** v9+, default null. */
  memberId?: string | null;
  /** v9+, default -1. */
  memberEpoch?: number;
  topics: OffsetFetchRequestTopic[] | null;
}
export interface OffsetFetchRequest {
  /** v1-7. */
  groupId: string;
  /** v1-7. */
  topics: OffsetFetchRequestTopic[] | null;
  /** v8+. */
  groups?: OffsetFetchRequestGroup[];
  /** v7+, default false. */
  requireStable?: boolean;
}
export interface OffsetFetchResponse {
  /** v3+, default 0. */
  throttleTimeMs?: number;
  /** v1-7. */
  topics: OffsetFetchTopicResponse[];
  /** v2-7, default 0. */
  errorCode?: number;
  /** v8+. */
  groups?: OffsetFetchGroupResponse[];
}
export interface OffsetFetchGroupResponse {
  groupId: string;
  topics: OffsetFetchTopicResponse[];
  errorCode: number;
}
export interface OffsetFetchTopicResponse {
  /** "" from v10. */
  name: string;
  /** v10+. */
  topicId?: Uint8Array;
  partitions: OffsetFetchPartitionResponse[];
}
export interface OffsetFetchPartitionResponse {
  partitionIndex: number;
  committedOffset: bigint;
  /** v5+, default -1. */
  committedLeaderEpoch?: number;
  metadata: string | null;
  errorCode: number;
}

const requestTopics = (v: string, name: string, id: string) =>
  arr(struct([f("name", "string", name), f("topicId", "uuid", id), f("partitionIndexes", arr("int32"), v)]));

const request = [
  f("groupId", "string", "0-7"),
  f("topics", requestTopics("0-7", "0-7", "none"), "0-7", { nullable: "2-7" }),
  f("groups", arr(struct([
    f("groupId", "string", "8+"),
    f("memberId", "string", "9+", { nullable: "9+", default: null }),
    f("memberEpoch", "int32", "9+", { default: -1 }),
    f("topics", requestTopics("8+", "8-9", "10+"), "8+", { nullable: "8+" }),
  ])), "8+"),
  f("requireStable", "bool", "7+", { default: false }),
];

const responsePartitions = (v: string, epoch: string) => arr(struct([
  f("partitionIndex", "int32", v),
  f("committedOffset", "int64", v),
  f("committedLeaderEpoch", "int32", epoch, { default: -1 }),
  f("metadata", "string", v, { nullable: v }),
  f("errorCode", "int16", v),
]));

const response = [
  f("throttleTimeMs", "int32", "3+"),
  f("topics", arr(struct([
    f("name", "string", "0-7"),
    f("partitions", responsePartitions("0-7", "5-7"), "0-7"),
  ])), "0-7"),
  f("errorCode", "int16", "2-7", { default: 0 }),
  f("groups", arr(struct([
    f("groupId", "string", "8+"),
    f("topics", arr(struct([
      f("name", "string", "8-9"),
      f("topicId", "uuid", "10+"),
      f("partitions", responsePartitions("8+", "8+"), "8+"),
    ])), "8+"),
    f("errorCode", "int16", "8+", { default: 0 }),
  ])), "8+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<OffsetFetchRequest, OffsetFetchResponse>(
  versions,
  request,
  response,
);
