// CreateAcls (key 30), v0-3; v2+ flexible.
//
// CreateAclsRequest
//   creations  [ resource_type int8, resource_name string, resource_pattern_type int8 (v1+, v0: LITERAL),
//                principal string, host string, operation int8, permission_type int8 ]
//
// CreateAclsResponse
//   throttle_time_ms  int32
//   results           [ error_code int16, error_message nullable_string ]     one per creation, in order
// (strings, arrays compact and tagged fields after every struct from v2)

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";
import { arr, nstr, str, tags, warr, wnstr, wstr, wtags } from "./binding-acls.js";

export const versions: VersionRange = { key: 30, name: "CreateAcls", min: 0, max: 3, flexibleFrom: 2 };

export interface AclCreation {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface CreateAclsRequest {
  creations: AclCreation[];
}

export interface CreateAclsResponse {
  throttleTimeMs: number;
  results: { errorCode: number; errorMessage: string | null }[];
}

export function decodeRequest(r: Reader, version: number): CreateAclsRequest {
  checkVersion(versions, version);
  const flex = version >= 2;
  const creations = arr(r, flex, (r): AclCreation => {
    const resourceType = r.int8();
    const resourceName = str(r, flex);
    const resourcePatternType = version >= 1 ? r.int8() : 3;
    const c = { resourceType, resourceName, resourcePatternType, principal: str(r, flex), host: str(r, flex), operation: r.int8(), permissionType: r.int8() };
    tags(r, flex);
    return c;
  });
  tags(r, flex);
  return { creations };
}

export function encodeRequest(w: Writer, version: number, req: CreateAclsRequest): void {
  checkVersion(versions, version);
  const flex = version >= 2;
  warr(w, flex, req.creations, (w, c) => {
    w.int8(c.resourceType);
    wstr(w, flex, c.resourceName);
    if (version >= 1) w.int8(c.resourcePatternType);
    wstr(w, flex, c.principal);
    wstr(w, flex, c.host);
    w.int8(c.operation).int8(c.permissionType);
    wtags(w, flex);
  });
  wtags(w, flex);
}

export function encodeResponse(w: Writer, version: number, res: CreateAclsResponse): void {
  checkVersion(versions, version);
  const flex = version >= 2;
  w.int32(res.throttleTimeMs);
  warr(w, flex, res.results, (w, x) => {
    w.int16(x.errorCode);
    wnstr(w, flex, x.errorMessage);
    wtags(w, flex);
  });
  wtags(w, flex);
}

export function decodeResponse(r: Reader, version: number): CreateAclsResponse {
  checkVersion(versions, version);
  const flex = version >= 2;
  const throttleTimeMs = r.int32();
  const results = arr(r, flex, (r) => {
    const x = { errorCode: r.int16(), errorMessage: nstr(r, flex) };
    tags(r, flex);
    return x;
  });
  tags(r, flex);
  return { throttleTimeMs, results };
}
