// LeaveGroup (key 13), v0-3. v3 is the batch form kafkajs sends; 4+ is flexible.
//
// LeaveGroupRequest v0-3
//   group_id   string
//   member_id  string                                              v0-2 only
//   members    [ member_id string, group_instance_id nullable_string ]   v3+
//
// LeaveGroupResponse v0-3
//   throttle_time_ms  int32                                        v1+
//   error_code        int16
//   members           [ member_id string, group_instance_id nullable_string, error_code int16 ]   v3+
//
// Version notes: v1 throttle_time_ms; v2 throttling; v3 several members at once (KIP-345).
// The two request shapes are kept as they are on the wire: v0-2 fill `memberId` (members = []),
// v3 fills `members` (memberId = ""); the handler treats v0-2 as a one-member list.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 13, name: "LeaveGroup", min: 0, max: 3, flexibleFrom: 4 };

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2; "" at v3. */
  memberId: string;
  /** v3+; [] before. */
  members: MemberIdentity[];
}

export interface LeaveGroupResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  /** v3+, default []. */
  members?: (MemberIdentity & { errorCode: number })[];
}

export function decodeRequest(r: Reader, version: number): LeaveGroupRequest {
  checkVersion(versions, version);
  const groupId = r.string();
  if (version <= 2) return { groupId, memberId: r.string(), members: [] };
  return {
    groupId,
    memberId: "",
    members: r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() })),
  };
}

export function encodeRequest(w: Writer, version: number, req: LeaveGroupRequest): void {
  checkVersion(versions, version);
  w.string(req.groupId);
  if (version <= 2) w.string(req.memberId);
  else w.array(req.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId));
}

export function encodeResponse(w: Writer, version: number, res: LeaveGroupResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.int16(res.errorCode);
  if (version >= 3) {
    w.array(res.members ?? [], (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode));
  }
}

export function decodeResponse(r: Reader, version: number): LeaveGroupResponse {
  checkVersion(versions, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const errorCode = r.int16();
  const members =
    version >= 3
      ? r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString(), errorCode: r.int16() }))
      : [];
  return { throttleTimeMs, errorCode, members };
}
