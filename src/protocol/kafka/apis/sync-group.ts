// SyncGroup (key 14), v0-3. 4+ is flexible (5+ adds protocol type/name).
//
// SyncGroupRequest v0-3
//   group_id           string
//   generation_id      int32
//   member_id          string
//   group_instance_id  nullable_string   v3+ (default null)
//   assignments        [ member_id string, assignment bytes ]   sent by the leader only; opaque
//
// SyncGroupResponse v0-3
//   throttle_time_ms   int32             v1+
//   error_code         int16
//   assignment         bytes             this member's assignment
//
// Version notes: v1 throttle_time_ms; v2 throttling; v3 static membership.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 14, name: "SyncGroup", min: 0, max: 3, flexibleFrom: 4 };

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v3+, default null. */
  groupInstanceId: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface SyncGroupResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  assignment: Uint8Array;
}

export function decodeRequest(r: Reader, version: number): SyncGroupRequest {
  checkVersion(versions, version);
  return {
    groupId: r.string(),
    generationId: r.int32(),
    memberId: r.string(),
    groupInstanceId: version >= 3 ? r.nullableString() : null,
    assignments: r.array((r) => ({ memberId: r.string(), assignment: r.bytes() })),
  };
}

export function encodeRequest(w: Writer, version: number, req: SyncGroupRequest): void {
  checkVersion(versions, version);
  w.string(req.groupId).int32(req.generationId).string(req.memberId);
  if (version >= 3) w.nullableString(req.groupInstanceId);
  w.array(req.assignments, (w, a) => w.string(a.memberId).bytes(a.assignment));
}

export function encodeResponse(w: Writer, version: number, res: SyncGroupResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.int16(res.errorCode).bytes(res.assignment);
}

export function decodeResponse(r: Reader, version: number): SyncGroupResponse {
  checkVersion(versions, version);
  return { throttleTimeMs: version >= 1 ? r.int32() : 0, errorCode: r.int16(), assignment: r.bytes() };
}
