// DeleteAcls (key 31), v0-3; v2+ flexible.
//
// DeleteAclsRequest
//   filters  [ resource_type_filter int8, resource_name_filter nullable_string, pattern_type_filter int8 (v1+),
//              principal_filter nullable_string, host_filter nullable_string, operation int8, permission_type int8 ]
//
// DeleteAclsResponse
//   throttle_time_ms  int32
//   filter_results    [ error_code int16, error_message nullable_string,
//                       matching_acls [ error_code int16, error_message nullable_string, resource_type int8,
//                                       resource_name string, pattern_type int8 (v1+), principal string,
//                                       host string, operation int8, permission_type int8 ] ]
// (strings, arrays compact and tagged fields after every struct from v2)

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";
import { arr, nstr, readFilter, str, tags, warr, wnstr, writeFilter, wstr, wtags, type AclFilterFields } from "./binding-acls.js";

export const versions: VersionRange = { key: 31, name: "DeleteAcls", min: 0, max: 3, flexibleFrom: 2 };

export interface DeleteAclsRequest {
  filters: AclFilterFields[];
}

export interface DeletedAcl {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface DeleteAclsResponse {
  throttleTimeMs: number;
  filterResults: { errorCode: number; errorMessage: string | null; matchingAcls: DeletedAcl[] }[];
}

export function decodeRequest(r: Reader, version: number): DeleteAclsRequest {
  checkVersion(versions, version);
  const flex = version >= 2;
  const filters = arr(r, flex, (r) => {
    const f = readFilter(r, version, flex);
    tags(r, flex);
    return f;
  });
  tags(r, flex);
  return { filters };
}

export function encodeRequest(w: Writer, version: number, req: DeleteAclsRequest): void {
  checkVersion(versions, version);
  const flex = version >= 2;
  warr(w, flex, req.filters, (w, f) => {
    writeFilter(w, version, flex, f);
    wtags(w, flex);
  });
  wtags(w, flex);
}

export function encodeResponse(w: Writer, version: number, res: DeleteAclsResponse): void {
  checkVersion(versions, version);
  const flex = version >= 2;
  w.int32(res.throttleTimeMs);
  warr(w, flex, res.filterResults, (w, fr) => {
    w.int16(fr.errorCode);
    wnstr(w, flex, fr.errorMessage);
    warr(w, flex, fr.matchingAcls, (w, a) => {
      w.int16(a.errorCode);
      wnstr(w, flex, a.errorMessage);
      w.int8(a.resourceType);
      wstr(w, flex, a.resourceName);
      if (version >= 1) w.int8(a.patternType);
      wstr(w, flex, a.principal);
      wstr(w, flex, a.host);
      w.int8(a.operation).int8(a.permissionType);
      wtags(w, flex);
    });
    wtags(w, flex);
  });
  wtags(w, flex);
}

export function decodeResponse(r: Reader, version: number): DeleteAclsResponse {
  checkVersion(versions, version);
  const flex = version >= 2;
  const throttleTimeMs = r.int32();
  const filterResults = arr(r, flex, (r) => {
    const errorCode = r.int16();
    const errorMessage = nstr(r, flex);
    const matchingAcls = arr(r, flex, (r): DeletedAcl => {
      const errorCode = r.int16();
      const errorMessage = nstr(r, flex);
      const resourceType = r.int8();
      const resourceName = str(r, flex);
      const patternType = version >= 1 ? r.int8() : 3;
      const a = { errorCode, errorMessage, resourceType, resourceName, patternType, principal: str(r, flex), host: str(r, flex), operation: r.int8(), permissionType: r.int8() };
      tags(r, flex);
      return a;
    });
    tags(r, flex);
    return { errorCode, errorMessage, matchingAcls };
  });
  tags(r, flex);
  return { throttleTimeMs, filterResults };
}
