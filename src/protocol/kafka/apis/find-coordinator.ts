// FindCoordinator (key 10), v0-2. v0 is kafka-python's and librdkafka's group-coordinator gate; 3+ is
// flexible (4+ batches several keys).
//
// FindCoordinatorRequest v0-2
//   key       string     the group id (or transactional id)
//   key_type  int8       v1+: 0 group, 1 transaction (default 0)
//
// FindCoordinatorResponse v0-2
//   throttle_time_ms  int32             v1+
//   error_code        int16
//   error_message     nullable_string   v1+
//   node_id           int32
//   host              string
//   port              int32
//
// Version notes: v1 key_type, throttle_time_ms, error_message; v2 throttling (KIP-219).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 10, name: "FindCoordinator", min: 0, max: 2, flexibleFrom: 3 };

export interface FindCoordinatorRequest {
  key: string;
  /** v1+, default 0 (group). */
  keyType: number;
}

export interface FindCoordinatorResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  /** v1+, default null. */
  errorMessage?: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export function decodeRequest(r: Reader, version: number): FindCoordinatorRequest {
  checkVersion(versions, version);
  return { key: r.string(), keyType: version >= 1 ? r.int8() : 0 };
}

export function encodeRequest(w: Writer, version: number, req: FindCoordinatorRequest): void {
  checkVersion(versions, version);
  w.string(req.key);
  if (version >= 1) w.int8(req.keyType);
}

export function encodeResponse(w: Writer, version: number, res: FindCoordinatorResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.int16(res.errorCode);
  if (version >= 1) w.nullableString(res.errorMessage ?? null);
  w.int32(res.nodeId).string(res.host).int32(res.port);
}

export function decodeResponse(r: Reader, version: number): FindCoordinatorResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    errorCode: r.int16(),
    errorMessage: version >= 1 ? r.nullableString() : null,
    nodeId: r.int32(),
    host: r.string(),
    port: r.int32(),
  };
}
