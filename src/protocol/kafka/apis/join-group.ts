// JoinGroup (key 11), v0-9. 6+ is flexible.
//
// JoinGroupRequest v0-9
//   group_id              string
//   session_timeout_ms    int32
//   rebalance_timeout_ms  int32            v1+ (default -1: the session timeout)
//   member_id             string
//   group_instance_id     nullable_string  v5+
//   protocol_type         string
//   protocols             [ name string, metadata bytes ]
//   reason                nullable_string  v8+
//
// JoinGroupResponse v0-9
//   throttle_time_ms  int32                 v2+
//   error_code        int16
//   generation_id     int32
//   protocol_type     nullable_string       v7+
//   protocol_name     string                (nullable v7+)
//   leader            string
//   skip_assignment   bool                  v9+
//   member_id         string
//   members           [ member_id string, group_instance_id nullable_string v5+, metadata bytes ]
//
// Version notes: v1 rebalance timeout; v2 throttle; v3 no change; v4 MEMBER_ID_REQUIRED (KIP-394); v5
// static membership (KIP-345); v6 flexible; v7 protocol_type in the response (KIP-559); v8 reason
// (KIP-800); v9 skip_assignment (KIP-814, only for server-side assignors; always false here).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 11, name: "JoinGroup", min: 0, max: 9, flexibleFrom: 6 };

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
  /** v8+, default null. */
  reason?: string | null;
}
export interface JoinGroupResponse {
  /** v2+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  generationId: number;
  /** v7+, default null. */
  protocolType?: string | null;
  protocolName: string | null;
  leader: string;
  /** v9+, default false. */
  skipAssignment?: boolean;
  memberId: string;
  members: JoinGroupMember[];
}
export interface JoinGroupMember {
  memberId: string;
  /** v5+, default null. */
  groupInstanceId?: string | null;
  metadata: Uint8Array;
}

const request = [
  f("groupId", "string", "0+"),
  f("sessionTimeoutMs", "int32", "0+"),
  f("rebalanceTimeoutMs", "int32", "1+", { default: -1 }),
  f("memberId", "string", "0+"),
  f("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
  f("protocolType", "string", "0+"),
  f("protocols", arr(struct([
    f("name", "string", "0+"),
    f("metadata", "bytes", "0+"),
  ])), "0+"),
  f("reason", "string", "8+", { nullable: "8+", default: null }),
];

const response = [
  f("throttleTimeMs", "int32", "2+"),
  f("errorCode", "int16", "0+"),
  f("generationId", "int32", "0+", { default: -1 }),
  f("protocolType", "string", "7+", { nullable: "7+", default: null }),
  f("protocolName", "string", "0+", { nullable: "7+" }),
  f("leader", "string", "0+"),
  f("skipAssignment", "bool", "9+", { default: false }),
  f("memberId", "string", "0+"),
  f("members", arr(struct([
    f("memberId", "string", "0+"),
    f("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
    f("metadata", "bytes", "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<JoinGroupRequest, JoinGroupResponse>(
  versions,
  request,
  response,
);
