// LeaveGroup (key 13), v0-5. 4+ is flexible; 3+ removes a batch of members.
//
// LeaveGroupRequest v0-5
//   group_id   string
//   member_id  string                                          v0-2
//   members    [ member_id string, group_instance_id nullable_string, reason nullable_string v5+ ]   v3+
//
// LeaveGroupResponse v0-5
//   throttle_time_ms  int32      v1+
//   error_code        int16
//   members           [ member_id string, group_instance_id nullable_string, error_code int16 ]   v3+
//
// Version notes: v1 throttle; v2 throttling semantics; v3 batched members (KIP-345); v4 flexible; v5
// reason (KIP-800).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 13, name: "LeaveGroup", min: 0, max: 5, flexibleFrom: 4 };

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  /** v5+, default null. */
  reason?: string | null;
}
export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2. */
  memberId: string;
  /** v3+. */
  members: MemberIdentity[];
}
export interface LeaveGroupResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  /** v3+. */
  members?: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

const request = [
  f("groupId", "string", "0+"),
  f("memberId", "string", "0-2"),
  f("members", arr(struct([
    f("memberId", "string", "3+"),
    f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
    f("reason", "string", "5+", { nullable: "5+", default: null }),
  ])), "3+"),
];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("errorCode", "int16", "0+"),
  f("members", arr(struct([
    f("memberId", "string", "3+"),
    f("groupInstanceId", "string", "3+", { nullable: "3+" }),
    f("errorCode", "int16", "3+"),
  ])), "3+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<LeaveGroupRequest, LeaveGroupResponse>(
  versions,
  request,
  response,
);
