// ListGroups (key 16), v0-2, for admin tooling. 3+ is flexible (4+ adds a state filter).
//
// ListGroupsRequest v0-2
//   (empty body)
//
// ListGroupsResponse v0-2
//   throttle_time_ms  int32                                    v1+
//   error_code        int16
//   groups            [ group_id string, protocol_type string ]
//
// Version notes: v1 throttle_time_ms; v2 throttling.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 16, name: "ListGroups", min: 0, max: 2, flexibleFrom: 3 };

export type ListGroupsRequest = Record<string, never>;

export interface ListGroupsResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  groups: { groupId: string; protocolType: string }[];
}

export function decodeRequest(_r: Reader, version: number): ListGroupsRequest {
  checkVersion(versions, version);
  return {};
}

export function encodeRequest(_w: Writer, version: number, _req: ListGroupsRequest): void {
  checkVersion(versions, version);
}

export function encodeResponse(w: Writer, version: number, res: ListGroupsResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.int16(res.errorCode).array(res.groups, (w, g) => w.string(g.groupId).string(g.protocolType));
}

export function decodeResponse(r: Reader, version: number): ListGroupsResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    errorCode: r.int16(),
    groups: r.array((r) => ({ groupId: r.string(), protocolType: r.string() })),
  };
}
