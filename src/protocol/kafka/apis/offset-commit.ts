// OffsetCommit (key 8), v2-7. v2 is kafka-python's, v7 librdkafka's; 8+ is flexible.
//
// OffsetCommitRequest v2-7
//   group_id                       string
//   generation_id_or_member_epoch  int32            -1 with member_id "" = a standalone (manual-assign) commit
//   member_id                      string
//   group_instance_id              nullable_string  v7+ (default null)
//   retention_time_ms              int64            v2-4 only (default -1 = broker default)
//   topics                         [ name        string
//                                    partitions  [ partition_index         int32
//                                                  committed_offset        int64
//                                                  committed_leader_epoch  int32            v6+ (default -1)
//                                                  committed_metadata      nullable_string ] ]
//
// OffsetCommitResponse v2-7
//   throttle_time_ms  int32    v3+
//   topics            [ name string, partitions [ partition_index int32, error_code int16 ] ]
//
// Version notes: v3 throttle_time_ms; v4 throttling; v5 drops retention_time_ms; v6 leader epoch;
// v7 static membership (group_instance_id).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 8, name: "OffsetCommit", min: 2, max: 7, flexibleFrom: 8 };

export interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  /** v7+, default null. */
  groupInstanceId: string | null;
  /** v2-4, default -1. */
  retentionTimeMs: bigint;
  topics: OffsetCommitTopic[];
}
export interface OffsetCommitTopic {
  name: string;
  partitions: OffsetCommitPartition[];
}
export interface OffsetCommitPartition {
  partitionIndex: number;
  committedOffset: bigint;
  /** v6+, default -1. */
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface OffsetCommitResponse {
  /** v3+, default 0. */
  throttleTimeMs?: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export function decodeRequest(r: Reader, version: number): OffsetCommitRequest {
  checkVersion(versions, version);
  return {
    groupId: r.string(),
    generationIdOrMemberEpoch: r.int32(),
    memberId: r.string(),
    groupInstanceId: version >= 7 ? r.nullableString() : null,
    retentionTimeMs: version <= 4 ? r.int64() : -1n,
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({
        partitionIndex: r.int32(),
        committedOffset: r.int64(),
        committedLeaderEpoch: version >= 6 ? r.int32() : -1,
        committedMetadata: r.nullableString(),
      })),
    })),
  };
}

export function encodeRequest(w: Writer, version: number, req: OffsetCommitRequest): void {
  checkVersion(versions, version);
  w.string(req.groupId).int32(req.generationIdOrMemberEpoch).string(req.memberId);
  if (version >= 7) w.nullableString(req.groupInstanceId);
  if (version <= 4) w.int64(req.retentionTimeMs);
  w.array(req.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int64(p.committedOffset);
      if (version >= 6) w.int32(p.committedLeaderEpoch);
      w.nullableString(p.committedMetadata);
    });
  });
}

export function encodeResponse(w: Writer, version: number, res: OffsetCommitResponse): void {
  checkVersion(versions, version);
  if (version >= 3) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partitionIndex).int16(p.errorCode));
  });
}

export function decodeResponse(r: Reader, version: number): OffsetCommitResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 3 ? r.int32() : 0,
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partitionIndex: r.int32(), errorCode: r.int16() })),
    })),
  };
}
