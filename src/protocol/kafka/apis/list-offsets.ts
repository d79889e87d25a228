// ListOffsets (key 2), v1-3. v0 (the old multi-offset form) is not offered; 4+ adds leader epochs and
// 6+ is flexible.
//
// ListOffsetsRequest v1-3
//   replica_id       int32     -1 for consumers
//   isolation_level  int8      v2+ (default 0)
//   topics           [ name        string
//                      partitions  [ partition_index  int32
//                                    timestamp        int64   -1 latest, -2 earliest, else a time ] ]
//
// ListOffsetsResponse v1-3
//   throttle_time_ms  int32    v2+
//   topics            [ name        string
//                       partitions  [ partition_index  int32
//                                     error_code       int16
//                                     timestamp        int64   (-1 when none)
//                                     offset           int64   (-1 when none) ] ]
//
// Version notes: v2 adds isolation_level and throttle_time_ms; v3 only changes throttling (KIP-219).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 2, name: "ListOffsets", min: 1, max: 3, flexibleFrom: 6 };

export interface ListOffsetsRequest {
  replicaId: number;
  /** v2+, default 0. */
  isolationLevel: number;
  topics: ListOffsetsTopic[];
}
export interface ListOffsetsTopic {
  name: string;
  partitions: { partitionIndex: number; timestamp: bigint }[];
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
}

export function decodeRequest(r: Reader, version: number): ListOffsetsRequest {
  checkVersion(versions, version);
  return {
    replicaId: r.int32(),
    isolationLevel: version >= 2 ? r.int8() : 0,
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partitionIndex: r.int32(), timestamp: r.int64() })),
    })),
  };
}

export function encodeRequest(w: Writer, version: number, req: ListOffsetsRequest): void {
  checkVersion(versions, version);
  w.int32(req.replicaId);
  if (version >= 2) w.int8(req.isolationLevel);
  w.array(req.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partitionIndex).int64(p.timestamp));
  });
}

export function encodeResponse(w: Writer, version: number, res: ListOffsetsResponse): void {
  checkVersion(versions, version);
  if (version >= 2) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp ?? -1n).int64(p.offset ?? -1n);
    });
  });
}

export function decodeResponse(r: Reader, version: number): ListOffsetsResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 2 ? r.int32() : 0,
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({
        partitionIndex: r.int32(),
        errorCode: r.int16(),
        timestamp: r.int64(),
        offset: r.int64(),
      })),
    })),
  };
}
