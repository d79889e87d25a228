// Heartbeat (key 12), v0-3. 4+ is flexible.
//
// HeartbeatRequest v0-3
//   group_id           string
//   generation_id      int32
//   member_id          string
//   group_instance_id  nullable_string   v3+ (default null)
//
// HeartbeatResponse v0-3
//   throttle_time_ms   int32             v1+
//   error_code         int16             27 REBALANCE_IN_PROGRESS tells the member to rejoin
//
// Version notes: v1 throttle_time_ms; v2 throttling; v3 static membership.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 12, name: "Heartbeat", min: 0, max: 3, flexibleFrom: 4 };

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v3+, default null. */
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
}

export function decodeRequest(r: Reader, version: number): HeartbeatRequest {
  checkVersion(versions, version);
  return {
    groupId: r.string(),
    generationId: r.int32(),
    memberId: r.string(),
    groupInstanceId: version >= 3 ? r.nullableString() : null,
  };
}

export function encodeRequest(w: Writer, version: number, req: HeartbeatRequest): void {
  checkVersion(versions, version);
  w.string(req.groupId).int32(req.generationId).string(req.memberId);
  if (version >= 3) w.nullableString(req.groupInstanceId);
}

export function encodeResponse(w: Writer, version: number, res: HeartbeatResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.int16(res.errorCode);
}

export function decodeResponse(r: Reader, version: number): HeartbeatResponse {
  checkVersion(versions, version);
  return { throttleTimeMs: version >= 1 ? r.int32() : 0, errorCode: r.int16() };
}
