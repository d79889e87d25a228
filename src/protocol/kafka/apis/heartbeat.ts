// Heartbeat (key 12), v0-4. 4 is flexible.
//
// HeartbeatRequest v0-4
//   group_id           string
//   generation_id      int32
//   member_id          string
//   group_instance_id  nullable_string   v3+
//
// HeartbeatResponse v0-4
//   throttle_time_ms  int32   v1+
//   error_code        int16
//
// Version notes: v1 throttle; v2 throttling semantics; v3 static membership (KIP-345); v4 flexible.

import type { VersionRange } from "../errors.js";
import { f } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 12, name: "Heartbeat", min: 0, max: 4, flexibleFrom: 4 };

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}
export interface HeartbeatResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
}

const request = [
  f("groupId", "string", "0+"),
  f("generationId", "int32", "0+"),
  f("memberId", "string", "0+"),
  f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
];

const response = [f("throttleTimeMs", "int32", "1+"), f("errorCode", "int16", "0+")];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<HeartbeatRequest, HeartbeatResponse>(
  versions,
  request,
  response,
);
