// SyncGroup (key 14), v0-5. 4+ is flexible.
//
// SyncGroupRequest v0-5
//   group_id           string
//   generation_id      int32
//   member_id          string
//   group_instance_id  nullable_string   v3+
//   protocol_type      nullable_string   v5+
//   protocol_name      nullable_string   v5+
//   assignments        [ member_id string, assignment bytes ]
//
// SyncGroupResponse v0-5
//   throttle_time_ms  int32             v1+
//   error_code        int16
//   protocol_type     nullable_string   v5+
//   protocol_name     nullable_string   v5+
//   assignment        bytes
//
// Version notes: v1 throttle; v2 throttling semantics; v3 static membership; v4 flexible; v5 protocol
// type/name echoed both ways (KIP-559).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 14, name: "SyncGroup", min: 0, max: 5, flexibleFrom: 4 };

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+, default null. */
  protocolType?: string | null;
  /** v5+, default null. */
  protocolName?: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}
export interface SyncGroupResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  /** v5+, default null. */
  protocolType?: string | null;
  /** v5+, default null. */
  protocolName?: string | null;
  assignment: Uint8Array;
}

const request = [
  f("groupId", "string", "0+"),
  f("generationId", "int32", "0+"),
  f("memberId", "string", "0+"),
  f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
  f("protocolType", "string", "5+", { nullable: "5+", default: null }),
  f("protocolName", "string", "5+", { nullable: "5+", default: null }),
  f("assignments", arr(struct([
    f("memberId", "string", "0+"),
    f("assignment", "bytes", "0+"),
  ])), "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("errorCode", "int16", "0+"),
  f("protocolType", "string", "5+", { nullable: "5+", default: null }),
  f("protocolName", "string", "5+", { nullable: "5+", default: null }),
  f("assignment", "bytes", "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<SyncGroupRequest, SyncGroupResponse>(
  versions,
  request,
  response,
);
