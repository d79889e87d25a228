// CreateTopics (key 19), v0-4. 5+ is flexible.
//
// CreateTopicsRequest v0-4
//   topics         [ name                string
//                    num_partitions      int32     -1 = broker default (v4+)
//                    replication_factor  int16     -1 = broker default (v4+)
//                    assignments         [ partition_index int32, broker_ids [int32] ]
//                    configs             [ name string, value nullable_string ] ]
//   timeout_ms     int32
//   validate_only  bool                            v1+ (default false)
//
// CreateTopicsResponse v0-4
//   throttle_time_ms  int32                        v2+
//   topics            [ name string, error_code int16, error_message nullable_string v1+ ]
//
// Version notes: v1 validate_only and error_message; v2 throttle_time_ms; v3 throttling; v4 -1
// partition/replication defaults (KIP-464; same wire format as v3).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 19, name: "CreateTopics", min: 0, max: 4, flexibleFrom: 5 };

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  /** v1+, default false. */
  validateOnly: boolean;
}
export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface CreateTopicsResponse {
  /** v2+, default 0. */
  throttleTimeMs?: number;
  topics: { name: string; errorCode: number; /** v1+, default null. */ errorMessage?: string | null }[];
}

export function decodeRequest(r: Reader, version: number): CreateTopicsRequest {
  checkVersion(versions, version);
  const topics = r.array((r) => ({
    name: r.string(),
    numPartitions: r.int32(),
    replicationFactor: r.int16(),
    assignments: r.array((r) => ({ partitionIndex: r.int32(), brokerIds: r.array((r) => r.int32()) })),
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  const timeoutMs = r.int32();
  const validateOnly = version >= 1 ? r.bool() : false;
  return { topics, timeoutMs, validateOnly };
}

export function encodeRequest(w: Writer, version: number, req: CreateTopicsRequest): void {
  checkVersion(versions, version);
  w.array(req.topics, (w, t) => {
    w.string(t.name).int32(t.numPartitions).int16(t.replicationFactor);
    w.array(t.assignments, (w, a) => w.int32(a.partitionIndex).array(a.brokerIds, (w, b) => w.int32(b)));
    w.array(t.configs, (w, c) => w.string(c.name).nullableString(c.value));
  });
  w.int32(req.timeoutMs);
  if (version >= 1) w.bool(req.validateOnly);
}

export function encodeResponse(w: Writer, version: number, res: CreateTopicsResponse): void {
  checkVersion(versions, version);
  if (version >= 2) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.topics, (w, t) => {
    w.string(t.name).int16(t.errorCode);
    if (version >= 1) w.nullableString(t.errorMessage ?? null);
  });
}

export function decodeResponse(r: Reader, version: number): CreateTopicsResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 2 ? r.int32() : 0,
    topics: r.array((r) => ({
      name: r.string(),
      errorCode: r.int16(),
      errorMessage: version >= 1 ? r.nullableString() : null,
    })),
  };
}
