// DeleteGroups (key 42), v0-2. 2 is flexible.
//
// DeleteGroupsRequest v0-2
//   groups_names  [string]
//
// DeleteGroupsResponse v0-2
//   throttle_time_ms  int32
//   results           [ group_id string, error_code int16 ]
//
// Version notes: v1 throttling; v2 flexible.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 42, name: "DeleteGroups", min: 0, max: 2, flexibleFrom: 2 };

export interface DeleteGroupsRequest {
  groupsNames: string[];
}
export interface DeleteGroupsResponse {
  throttleTimeMs?: number;
  results: { groupId: string; errorCode: number }[];
}

const request = [f("groupsNames", arr("string"), "0+")];
const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("results", arr(struct([f("groupId", "string", "0+"), f("errorCode", "int16", "0+")])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DeleteGroupsRequest, DeleteGroupsResponse>(
  versions,
  request,
  response,
);
