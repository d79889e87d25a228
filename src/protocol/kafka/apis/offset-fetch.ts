// OffsetFetch (key 9), v1-5. v1 is kafka-python's; capped at 5 because 6+ is flexible.
//
// OffsetFetchRequest v1-5
//   group_id  string
//   topics    [ name string, partition_indexes [int32] ]     nullable v2+: null = every committed partition
//
// OffsetFetchResponse v1-5
//   throttle_time_ms  int32                                   v3+
//   topics            [ name        string
//                       partitions  [ partition_index         int32
//                                     committed_offset        int64    -1 = none committed
//                                     committed_leader_epoch  int32    v5+ (send -1, see kafka-protocol.md §2.5)
//                                     metadata                nullable_string
//                                     error_code              int16 ] ]
//   error_code        int16                                   v2+ (group-level)
//
// Version notes: v2 null topics and top-level error_code; v3 throttle_time_ms; v4 throttling;
// v5 committed_leader_epoch.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 9, name: "OffsetFetch", min: 1, max: 5, flexibleFrom: 6 };

export interface OffsetFetchRequest {
  groupId: string;
  /** null (v2+) = all partitions the group has committed. */
  topics: { name: string; partitionIndexes: number[] }[] | null;
}

export interface OffsetFetchResponse {
  /** v3+, default 0. */
  throttleTimeMs?: number;
  topics: OffsetFetchTopicResponse[];
  /** v2+, default 0. */
  errorCode?: number;
}
export interface OffsetFetchTopicResponse {
  name: string;
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

export function decodeRequest(r: Reader, version: number): OffsetFetchRequest {
  checkVersion(versions, version);
  const groupId = r.string();
  const readTopic = (r: Reader) => ({ name: r.string(), partitionIndexes: r.array((r) => r.int32()) });
  const topics = version >= 2 ? r.nullableArray(readTopic) : r.array(readTopic);
  return { groupId, topics };
}

export function encodeRequest(w: Writer, version: number, req: OffsetFetchRequest): void {
  checkVersion(versions, version);
  w.string(req.groupId);
  const writeTopic = (w: Writer, t: { name: string; partitionIndexes: number[] }) =>
    w.string(t.name).array(t.partitionIndexes, (w, p) => w.int32(p));
  // v1 cannot say "all": it has no null, and an empty list means none.
  if (version >= 2) w.nullableArray(req.topics, writeTopic);
  else w.array(req.topics ?? [], writeTopic);
}

export function encodeResponse(w: Writer, version: number, res: OffsetFetchResponse): void {
  checkVersion(versions, version);
  if (version >= 3) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int64(p.committedOffset);
      if (version >= 5) w.int32(p.committedLeaderEpoch ?? -1);
      w.nullableString(p.metadata).int16(p.errorCode);
    });
  });
  if (version >= 2) w.int16(res.errorCode ?? 0);
}

export function decodeResponse(r: Reader, version: number): OffsetFetchResponse {
  checkVersion(versions, version);
  const throttleTimeMs = version >= 3 ? r.int32() : 0;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partitionIndex: r.int32(),
      committedOffset: r.int64(),
      committedLeaderEpoch: version >= 5 ? r.int32() : -1,
      metadata: r.nullableString(),
      errorCode: r.int16(),
    })),
  }));
  const errorCode = version >= 2 ? r.int16() : 0;
  return { throttleTimeMs, topics, errorCode };
}
