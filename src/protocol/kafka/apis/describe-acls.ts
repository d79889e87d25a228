// DescribeAcls (key 29), v0-3; v2+ flexible.
//
// DescribeAclsRequest
//   resource_type_filter  int8
//   resource_name_filter  nullable_string
//   pattern_type_filter   int8                  v1+ (v0: LITERAL)
//   principal_filter      nullable_string
//   host_filter           nullable_string
//   operation             int8
//   permission_type       int8
//
// DescribeAclsResponse
//   throttle_time_ms      int32
//   error_code            int16
//   error_message         nullable_string
//   resources             [ resource_type int8, resource_name string, pattern_type int8 (v1+),
//                           acls [ principal string, host string, operation int8, permission_type int8 ] ]
// (strings, arrays compact and tagged fields after every struct from v2)

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";
import { arr, nstr, readFilter, str, tags, warr, wnstr, writeFilter, wstr, wtags, type AclFilterFields } from "./binding-acls.js";

export const versions: VersionRange = { key: 29, name: "DescribeAcls", min: 0, max: 3, flexibleFrom: 2 };

export type DescribeAclsRequest = AclFilterFields;

export interface DescribeAclsResource {
  resourceType: number;
  resourceName: string;
  patternType: number;
  acls: { principal: string; host: string; operation: number; permissionType: number }[];
}

export interface DescribeAclsResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  resources: DescribeAclsResource[];
}

export function decodeRequest(r: Reader, version: number): DescribeAclsRequest {
  checkVersion(versions, version);
  const flex = version >= 2;
  const filter = readFilter(r, version, flex);
  tags(r, flex);
  return filter;
}

export function encodeRequest(w: Writer, version: number, req: DescribeAclsRequest): void {
  checkVersion(versions, version);
  const flex = version >= 2;
  writeFilter(w, version, flex, req);
  wtags(w, flex);
}

export function encodeResponse(w: Writer, version: number, res: DescribeAclsResponse): void {
  checkVersion(versions, version);
  const flex = version >= 2;
  w.int32(res.throttleTimeMs).int16(res.errorCode);
  wnstr(w, flex, res.errorMessage);
  warr(w, flex, res.resources, (w, resource) => {
    w.int8(resource.resourceType);
    wstr(w, flex, resource.resourceName);
    if (version >= 1) w.int8(resource.patternType);
    warr(w, flex, resource.acls, (w, acl) => {
      wstr(w, flex, acl.principal);
      wstr(w, flex, acl.host);
      w.int8(acl.operation).int8(acl.permissionType);
      wtags(w, flex);
    });
    wtags(w, flex);
  });
  wtags(w, flex);
}

export function decodeResponse(r: Reader, version: number): DescribeAclsResponse {
  checkVersion(versions, version);
  const flex = version >= 2;
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const errorMessage = nstr(r, flex);
  const resources = arr(r, flex, (r): DescribeAclsResource => {
    const resourceType = r.int8();
    const resourceName = str(r, flex);
    const patternType = version >= 1 ? r.int8() : 3;
    const acls = arr(r, flex, (r) => {
      const acl = { principal: str(r, flex), host: str(r, flex), operation: r.int8(), permissionType: r.int8() };
      tags(r, flex);
      return acl;
    });
    tags(r, flex);
    return { resourceType, resourceName, patternType, acls };
  });
  tags(r, flex);
  return { throttleTimeMs, errorCode, errorMessage, resources };
}
