// DescribeGroups (key 15), v0-4, for admin tooling. 5+ is flexible.
//
// DescribeGroupsRequest v0-4
//   groups                         [string]
//   include_authorized_operations  bool      v3+ (default false)
//
// DescribeGroupsResponse v0-4
//   throttle_time_ms  int32                  v1+
//   groups            [ error_code     int16
//                       group_id       string
//                       group_state    string    Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
//                       protocol_type  string
//                       protocol_data  string    the chosen protocol (assignor) name
//                       members        [ member_id          string
//                                        group_instance_id  nullable_string   v4+
//                                        client_id          string
//                                        client_host        string
//                                        member_metadata    bytes
//                                        member_assignment  bytes ]
//                       authorized_operations  int32   v3+ (default INT32_MIN = not requested) ]
//
// Version notes: v1 throttle_time_ms; v2 throttling; v3 authorized operations (KIP-430); v4 static
// membership.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 15, name: "DescribeGroups", min: 0, max: 4, flexibleFrom: 5 };

export interface DescribeGroupsRequest {
  groups: string[];
  /** v3+, default false. */
  includeAuthorizedOperations: boolean;
}

export interface DescribeGroupsResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  groups: DescribedGroup[];
}
export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
  /** v3+, default -2147483648. */
  authorizedOperations?: number;
}
export interface DescribedGroupMember {
  memberId: string;
  /** v4+, default null. */
  groupInstanceId?: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

const NO_OPERATIONS = -2147483648;

export function decodeRequest(r: Reader, version: number): DescribeGroupsRequest {
  checkVersion(versions, version);
  return { groups: r.array((r) => r.string()), includeAuthorizedOperations: version >= 3 ? r.bool() : false };
}

export function encodeRequest(w: Writer, version: number, req: DescribeGroupsRequest): void {
  checkVersion(versions, version);
  w.array(req.groups, (w, g) => w.string(g));
  if (version >= 3) w.bool(req.includeAuthorizedOperations);
}

export function encodeResponse(w: Writer, version: number, res: DescribeGroupsResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.groupState).string(g.protocolType).string(g.protocolData);
    w.array(g.members, (w, m) => {
      w.string(m.memberId);
      if (version >= 4) w.nullableString(m.groupInstanceId ?? null);
      w.string(m.clientId).string(m.clientHost).bytes(m.memberMetadata).bytes(m.memberAssignment);
    });
    if (version >= 3) w.int32(g.authorizedOperations ?? NO_OPERATIONS);
  });
}

export function decodeResponse(r: Reader, version: number): DescribeGroupsResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    groups: r.array((r) => ({
      errorCode: r.int16(),
      groupId: r.string(),
      groupState: r.string(),
      protocolType: r.string(),
      protocolData: r.string(),
      members: r.array((r) => ({
        memberId: r.string(),
        groupInstanceId: version >= 4 ? r.nullableString() : null,
        clientId: r.string(),
        clientHost: r.string(),
        memberMetadata: r.bytes(),
        memberAssignment: r.bytes(),
      })),
      authorizedOperations: version >= 3 ? r.int32() : NO_OPERATIONS,
    })),
  };
}
