// DescribeGroups (key 15), v0-6. 5+ is flexible.
//
// DescribeGroupsRequest v0-6
//   groups                         [string]
//   include_authorized_operations  bool      v3+
//
// DescribeGroupsResponse v0-6
//   throttle_time_ms  int32     v1+
//   groups            [ error_code      int16
//                       error_message   nullable_string   v6+
//                       group_id        string
//                       group_state     string
//                       protocol_type   string
//                       protocol_data   string
//                       members         [ member_id          string
//                                         group_instance_id  nullable_string   v4+
//                                         client_id          string
//                                         client_host        string
//                                         member_metadata    bytes
//                                         member_assignment  bytes ]
//                       authorized_operations  int32   v3+ (INT32_MIN = not requested) ]
//
// Version notes: v1 throttle; v2 throttling semantics; v3 authorized operations (KIP-430); v4
// group_instance_id (KIP-345); v5 flexible. v6 (Kafka 4.0, KIP-1043): error_message, and an
// unknown group is GROUP_ID_NOT_FOUND.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 15, name: "DescribeGroups", min: 0, max: 6, flexibleFrom: 5 };

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}
export interface DescribeGroupsResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  groups: DescribedGroup[];
}
export interface DescribedGroup {
  errorCode: number;
  /** v6+ (Kafka 4.0, KIP-1043), default null. */
  errorMessage?: string | null;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
  /** v3+, default INT32_MIN. */
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

const request = [f("groups", arr("string"), "0+"), f("includeAuthorizedOperations", "bool", "3+")];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("groups", arr(struct([
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "6+", { nullable: "6+", default: null }),
    f("groupId", "string", "0+"),
    f("groupState", "string", "0+"),
    f("protocolType", "string", "0+"),
    f("protocolData", "string", "0+"),
    f("members", arr(struct([
      f("memberId", "string", "0+"),
      f("groupInstanceId", "string", "4+", { nullable: "4+", default: null }),
      f("clientId", "string", "0+"),
      f("clientHost", "string", "0+"),
      f("memberMetadata", "bytes", "0+"),
      f("memberAssignment", "bytes", "0+"),
    ])), "0+"),
    f("authorizedOperations", "int32", "3+", { default: -2147483648 }),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DescribeGroupsRequest, DescribeGroupsResponse>(
  versions,
  request,
  response,
);
