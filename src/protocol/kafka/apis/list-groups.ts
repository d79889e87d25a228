// ListGroups (key 16), v0-5. 3+ is flexible.
//
// ListGroupsRequest v0-5
//   states_filter  [string]   v4+ (empty = any state)
//   types_filter   [string]   v5+ (empty = any type: "classic", "consumer")
//
// ListGroupsResponse v0-5
//   throttle_time_ms  int32    v1+
//   error_code        int16
//   groups            [ group_id string, protocol_type string, group_state string v4+, group_type string v5+ ]
//
// Version notes: v1 throttle; v2 throttling semantics; v3 flexible; v4 states (KIP-518); v5 types (KIP-848).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 16, name: "ListGroups", min: 0, max: 5, flexibleFrom: 3 };

export interface ListGroupsRequest {
  /** v4+, default []. */
  statesFilter?: string[];
  /** v5+, default []. */
  typesFilter?: string[];
}
export interface ListGroupsResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  groups: { groupId: string; protocolType: string; groupState?: string; groupType?: string }[];
}

const request = [f("statesFilter", arr("string"), "4+"), f("typesFilter", arr("string"), "5+")];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("errorCode", "int16", "0+"),
  f("groups", arr(struct([
    f("groupId", "string", "0+"),
    f("protocolType", "string", "0+"),
    f("groupState", "string", "4+"),
    f("groupType", "string", "5+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<ListGroupsRequest, ListGroupsResponse>(
  versions,
  request,
  response,
);
