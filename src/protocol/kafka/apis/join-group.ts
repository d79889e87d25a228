// JoinGroup (key 11), v0-5. v0 stays for librdkafka's SASL_GSSAPI feature gate (KAFKA-19444); 6+ is
// flexible.
//
// JoinGroupRequest v0-5
//   group_id              string
//   session_timeout_ms    int32
//   rebalance_timeout_ms  int32             v1+ (default -1; Kafka uses the session timeout for v0)
//   member_id             string            "" on first join
//   group_instance_id     nullable_string   v5+ (default null)
//   protocol_type         string            "consumer" for consumer groups
//   protocols             [ name string, metadata bytes ]      metadata is opaque to the broker
//
// JoinGroupResponse v0-5
//   throttle_time_ms  int32                 v2+
//   error_code        int16
//   generation_id     int32
//   protocol_name     string
//   leader            string
//   member_id         string
//   members           [ member_id string, group_instance_id nullable_string v5+, metadata bytes ]
//                     (filled for the leader only)
//
// Version notes: v1 rebalance_timeout_ms; v2 throttle_time_ms; v3 throttling; v4 MEMBER_ID_REQUIRED
// (79) may be returned; v5 static membership. Never send error 79 below v4.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 11, name: "JoinGroup", min: 0, max: 5, flexibleFrom: 6 };

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** v1+, default -1. */
  rebalanceTimeoutMs: number;
  memberId: string;
  /** v5+, default null. */
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
}

export interface JoinGroupResponse {
  /** v2+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: JoinGroupMember[];
}
export interface JoinGroupMember {
  memberId: string;
  /** v5+, default null. */
  groupInstanceId?: string | null;
  metadata: Uint8Array;
}

export function decodeRequest(r: Reader, version: number): JoinGroupRequest {
  checkVersion(versions, version);
  return {
    groupId: r.string(),
    sessionTimeoutMs: r.int32(),
    rebalanceTimeoutMs: version >= 1 ? r.int32() : -1,
    memberId: r.string(),
    groupInstanceId: version >= 5 ? r.nullableString() : null,
    protocolType: r.string(),
    protocols: r.array((r) => ({ name: r.string(), metadata: r.bytes() })),
  };
}

export function encodeRequest(w: Writer, version: number, req: JoinGroupRequest): void {
  checkVersion(versions, version);
  w.string(req.groupId).int32(req.sessionTimeoutMs);
  if (version >= 1) w.int32(req.rebalanceTimeoutMs);
  w.string(req.memberId);
  if (version >= 5) w.nullableString(req.groupInstanceId);
  w.string(req.protocolType).array(req.protocols, (w, p) => w.string(p.name).bytes(p.metadata));
}

export function encodeResponse(w: Writer, version: number, res: JoinGroupResponse): void {
  checkVersion(versions, version);
  if (version >= 2) w.int32(res.throttleTimeMs ?? 0);
  w.int16(res.errorCode).int32(res.generationId).string(res.protocolName).string(res.leader).string(res.memberId);
  w.array(res.members, (w, m) => {
    w.string(m.memberId);
    if (version >= 5) w.nullableString(m.groupInstanceId ?? null);
    w.bytes(m.metadata);
  });
}

export function decodeResponse(r: Reader, version: number): JoinGroupResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 2 ? r.int32() : 0,
    errorCode: r.int16(),
    generationId: r.int32(),
    protocolName: r.string(),
    leader: r.string(),
    memberId: r.string(),
    members: r.array((r) => ({
      memberId: r.string(),
      groupInstanceId: version >= 5 ? r.nullableString() : null,
      metadata: r.bytes(),
    })),
  };
}
